/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Calls that are a compile error in eseal (like git's banned.h). */
#ifndef ES_BANNED_H
#define ES_BANNED_H

#define ES_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) ES_BANNED(strcpy)
#undef strcat
#define strcat(x, y) ES_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) ES_BANNED(strncpy)
#undef sprintf
#define sprintf(...) ES_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) ES_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) ES_BANNED(strtok)
#undef atoi
#define atoi(x) ES_BANNED(atoi)
#undef gmtime
#define gmtime(x) ES_BANNED(gmtime)
#undef localtime
#define localtime(x) ES_BANNED(localtime)
#undef ctime
#define ctime(x) ES_BANNED(ctime)
#undef asctime
#define asctime(x) ES_BANNED(asctime)
#undef mktemp
#define mktemp(x) ES_BANNED(mktemp)

#endif
