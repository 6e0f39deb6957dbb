/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* eseal bench crypto — our SM2/SM3 beside OpenSSL's, measured in one run. */
#include "cli.h"
#include "eseal/es_crypto.h"

#include <getopt.h>

static const char bench_usage[] =
	"usage: eseal bench crypto [--seconds S] [--json]\n"
	"\n"
	"Measure SM2 signing and verification and SM3 on this machine, one core,\n"
	"ours and OpenSSL's alternating in 50 ms slices for about 2 x S seconds\n"
	"per pair (default S = 2), and print the rates and ratios (ours / OpenSSL).\n"
	"Signing and verification are over a 32-byte message with Z cached and\n"
	"OpenSSL's contexts reused; verification repeats one key (cold: a new key\n"
	"each time); SM3 hashes 16 KiB. With ESEAL_CRYPTO=openssl both sides are\n"
	"OpenSSL. --json prints one object with sm2_sign_per_s, sm2_verify_per_s,\n"
	"openssl_sm2_sign_per_s, openssl_sm2_verify_per_s, sm2_verify_cold_per_s,\n"
	"sm3_mb_per_s, openssl_sm3_mb_per_s, sm2_sign_ratio, sm2_verify_ratio,\n"
	"sm3_ratio, sm2_sign_dudect_t (Welch t of our signing time, fixed against\n"
	"random nonces, dudect style; |t| < 4.5: no leak seen), sm2_fp_mul_dudect_t,\n"
	"sm2_select_dudect_t and sm2_inv_dudect_t (the same for the field product,\n"
	"the comb row scan and the inversion alone, all-zero against random input,\n"
	"on the arithmetic named by sm2_arith), sm2_control_dudect_t (the control:\n"
	"variable-time wNAF recoding, which the test must see), sm3_many_mb_per_s,\n"
	"openssl_sm3_many_mb_per_s, sm3_many_ratio and sm3_many_lanes (es_sm3_many\n"
	"over 128 messages of 2 KiB against OpenSSL hashing them one by one) and\n"
	"implementation.\n";

static int bench_crypto(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seconds", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	es_crypto_bench_result r;
	double seconds = 2;
	bool json = false;
	char *end;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'S':
			seconds = strtod(optarg, &end);
			if (end == optarg || *end || !(seconds > 0 && seconds <= 600))
				return cli_usage_error("bench crypto", "--seconds takes 0..600");
			break;
		case 'J': json = true; break;
		case 'h': fputs(bench_usage, stdout); return ES_EXIT_OK;
		default: return cli_usage_error("bench crypto", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error("bench crypto", "unexpected argument '%s'", argv[optind]);
	if (es_crypto_bench(&r, seconds) < 0)
		return cli_fail("bench crypto");
	if (json) {
		cli_print_json(json_pack("{s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:i,s:s,s:s?}",
					 "sm2_sign_per_s", r.sm2_sign_per_s,
					 "sm2_verify_per_s", r.sm2_verify_per_s,
					 "openssl_sm2_sign_per_s", r.openssl_sm2_sign_per_s,
					 "openssl_sm2_verify_per_s", r.openssl_sm2_verify_per_s,
					 "sm2_verify_cold_per_s", r.sm2_verify_cold_per_s,
					 "sm3_mb_per_s", r.sm3_mb_per_s,
					 "openssl_sm3_mb_per_s", r.openssl_sm3_mb_per_s,
					 "sm2_sign_ratio", r.sm2_sign_ratio,
					 "sm2_verify_ratio", r.sm2_verify_ratio,
					 "sm3_ratio", r.sm3_ratio,
					 "sm2_sign_dudect_t", r.sm2_sign_dudect_t,
					 "sm2_fp_mul_dudect_t", r.sm2_fp_mul_dudect_t,
					 "sm2_select_dudect_t", r.sm2_select_dudect_t,
					 "sm2_inv_dudect_t", r.sm2_inv_dudect_t,
					 "sm2_control_dudect_t", r.sm2_control_dudect_t,
					 "sm3_many_mb_per_s", r.sm3_many_mb_per_s,
					 "openssl_sm3_many_mb_per_s", r.openssl_sm3_many_mb_per_s,
					 "sm3_many_ratio", r.sm3_many_ratio,
					 "sm3_many_lanes", r.sm3_many_lanes,
					 "implementation", r.implementation,
					 "sm2_arith", r.sm2_arith));
		return ES_EXIT_OK;
	}
	printf("crypto implementation: %s (ESEAL_CRYPTO=openssl selects OpenSSL)\n\n", r.implementation);
	printf("%-34s %12s %12s %8s\n", "", "ours", "openssl", "ratio");
	printf("%-34s %12.0f %12.0f %8.2f\n", "SM2 sign/s (Z cached)", r.sm2_sign_per_s,
	       r.openssl_sm2_sign_per_s, r.sm2_sign_ratio);
	printf("%-34s %12.0f %12.0f %8.2f\n", "SM2 verify/s (same key)", r.sm2_verify_per_s,
	       r.openssl_sm2_verify_per_s, r.sm2_verify_ratio);
	if (r.sm2_verify_cold_per_s > 0)
		printf("%-34s %12.0f\n", "SM2 verify/s (new key each time)", r.sm2_verify_cold_per_s);
	printf("%-34s %12.1f %12.1f %8.2f\n", "SM3 MB/s (16 KiB)", r.sm3_mb_per_s,
	       r.openssl_sm3_mb_per_s, r.sm3_ratio);
	printf("%-34s %12.1f %12.1f %8.2f\n", "SM3 MB/s, 128 x 2 KiB at once", r.sm3_many_mb_per_s,
	       r.openssl_sm3_many_mb_per_s, r.sm3_many_ratio);
	printf("%-34s %12d\n", "  lanes (es_sm3_many)", r.sm3_many_lanes);
	if (r.implementation && strcmp(r.implementation, "eseal") == 0) {
		printf("\nSM2 signing, fixed vs random nonce (dudect): t = %.2f (|t| < 4.5: no leak seen)\n",
		       r.sm2_sign_dudect_t);
		printf("on %s, all-zero vs random input: field product t = %.2f, row scan t = %.2f,\n"
		       "inversion t = %.2f; control (variable-time wNAF, must be seen): t = %.1f\n",
		       r.sm2_arith ? r.sm2_arith : "?", r.sm2_fp_mul_dudect_t, r.sm2_select_dudect_t,
		       r.sm2_inv_dudect_t, r.sm2_control_dudect_t);
	}
	return ES_EXIT_OK;
}

int cmd_bench(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(bench_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? ES_EXIT_USAGE : ES_EXIT_OK;
	}
	if (strcmp(argv[1], "crypto") == 0)
		return bench_crypto(argc - 1, argv + 1);
	return cli_usage_error("bench", "unknown subcommand '%s' (try 'crypto')", argv[1]);
}
