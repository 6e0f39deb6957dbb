/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "es_int.h"
int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("eseal %s\n", es_version());
	return 0;
}
