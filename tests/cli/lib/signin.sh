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

# seal_made CMD APPLICANT UNIT [app create flags]: through CMD (e, or a wrapper of it for
# another platform), a seal applied for by APPLICANT for UNIT, checked and made by "maker",
# approved by "reviewer", filed, delivered and confirmed: prints "ESID APPLICATION".
# Without --name the seal is named 福建省测试厅, with the handler 王五.
seal_made() {
	local cmd=$1 who=$2 unit=$3 app esid
	shift 3
	app=$("$cmd" --as "$who" --json app create --unit "$unit" --name 福建省测试厅 --handler 王五 \
		--handler-mobile 13800000000 --handler-id 350102199002020021 "$@" | jq -r .application)
	"$cmd" --as "$who" app submit "$app" >/dev/null
	"$cmd" --as maker app check "$app" >/dev/null
	"$cmd" --as reviewer app approve "$app" >/dev/null
	esid=$("$cmd" --as maker --json app make "$app" | jq -r .esid)
	"$cmd" --as maker app file "$app" >/dev/null
	"$cmd" --as maker app deliver "$app" >/dev/null
	"$cmd" --as "$who" seal confirm "$esid" >/dev/null
	printf '%s %s\n' "$esid" "$app"
}
