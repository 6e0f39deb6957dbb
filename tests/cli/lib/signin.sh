# SPDX-License-Identifier: AGPL-3.0-or-later
# Sourced by the platform's command tests: `--as LOGIN` signs in with a password.
# pwf LOGIN prints the file holding LOGIN's password on $ESEAL_PLATFORM_DIR, made at
# the first use: the system account hands out a one-time password, which
# `eseal platform password` changes (docs/identity.md). An account that does not
# exist gets a password file too, so that its sign-in is refused like a wrong one.
# e [--as LOGIN] ARGS... runs `eseal platform` that way. Needs $ESEAL and $T; the
# array EPARGS (e.g. --dir "$D" --store URI) goes before the arguments of every call.
[ -n "${EPARGS+x}" ] || EPARGS=()
pwf() {
	local who=$1 dir key f otp
	dir="${ESEAL_PLATFORM_DIR:-eseal-platform} ${EPARGS[*]-}"
	key=$(printf '%s' "$dir" | sha1sum | cut -c1-12)
	f=$T/pw/$key-$who
	if [ ! -s "$f" ]; then
		mkdir -p "$T/pw" && chmod 700 "$T/pw"
		printf 'Cli-Test-Pw-2026\n' >"$f"
		if otp=$("$ESEAL" platform "${EPARGS[@]}" account otp "$who" 2>/dev/null); then
			printf '%s\n' "$otp" >"$f.otp"
			"$ESEAL" platform "${EPARGS[@]}" password --as "$who" --password-file "$f.otp" --new-password-file "$f" >/dev/null ||
				{ echo "FAIL: password of $who" >&2; return 1; }
		fi
	fi
	printf '%s\n' "$f"
}

e() {
	if [ "${1-}" = --as ]; then
		local who=$2 f
		shift 2
		f=$(pwf "$who") || return 3
		"$ESEAL" platform "${EPARGS[@]}" --as "$who" --password-file "$f" "$@"
	else
		"$ESEAL" platform "${EPARGS[@]}" "$@"
	fi
}
