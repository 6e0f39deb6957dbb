#!/usr/bin/env bash
# make run: a demo platform in DIR (first run only), then eseal serve on
# 127.0.0.1:8080 until Ctrl-C. Every step is a documented eseal command.
set -euo pipefail
ESEAL=${ESEAL:-./build-release/eseal}
DIR=${1:-data}
LISTEN=${ESEAL_SERVE_LISTEN:-127.0.0.1:8080}
e() { "$ESEAL" platform --dir "$DIR" "$@"; }

if [ ! -f "$DIR/platform.db" ]; then
  echo "== a demo platform in $DIR (SQLite)"
  e init
  e region add 350000 福建省 >/dev/null
  e region add 350100 福州市 >/dev/null
  e region add 350102 鼓楼区 >/dev/null
  agency=$(e --json unit add --name 福建省示例厅 --credit-code 91350100100000016G --region 350000 | sed -n 's/.*"unit": \([0-9]*\).*/\1/p')
  company=$(e --json unit add --name 福州示例科技有限公司 --credit-code 91350100100000059X --region 350102 | sed -n 's/.*"unit": \([0-9]*\).*/\1/p')
  e account add applicant --roles applicant --unit "$agency" >/dev/null
  e account add unit-admin --roles unit-admin --unit "$agency" >/dev/null
  e account add company --roles applicant,unit-admin --unit "$company" >/dev/null
  e account add maker --roles maker >/dev/null
  e account add reviewer --roles reviewer >/dev/null
  e account add use-approver --roles use-approver --unit "$agency" >/dev/null
  e account add auditor --roles auditor >/dev/null
  echo
  echo "== accounts and their one-time passwords (shown once; each is changed at the first sign-in)"
  printf '  %-14s %-18s %s\n' LOGIN ONE-TIME-PASSWORD ROLE
  for a in "admin:system administrator" "applicant:applicant (经办人), 福建省示例厅" \
           "unit-admin:unit seal administrator, 福建省示例厅" "company:applicant and administrator, a company" \
           "maker:seal maker (制作员)" "reviewer:reviewer (审核员)" "use-approver:use approver (用印审批)" \
           "auditor:auditor (审计员)"; do
    login=${a%%:*}
    printf '  %-14s %-18s %s\n' "$login" "$(e account otp "$login")" "${a#*:}"
  done
  echo "  (a new one: $ESEAL platform --dir $DIR account otp LOGIN)"
else
  echo "== the platform in $DIR exists: its accounts keep their passwords"
  echo "   (a new one-time password: $ESEAL platform --dir $DIR account otp LOGIN)"
fi
URL=http://$LISTEN
# the console from this tree's web/ (its npm packages: scripts/deps.sh)
WEB=${ESEAL_SERVE_WEB:-web}
cat <<TXT

== serving on $URL (Ctrl-C stops)
   the web console:   $URL/   (sign in with a login above; docs/console.md)
   the API:           $URL/api/openapi.json   (docs/server.md)
   health:            $URL/healthz
   sign in:           curl -c jar -H 'Content-Type: application/json' \\
                        -d '{"login":"applicant","password":"ONE-TIME-PASSWORD"}' $URL/api/v1/session
   then change it:    curl -H 'Content-Type: application/json' -d '{"login":"applicant",
                        "old_password":"ONE-TIME-PASSWORD","new_password":"A-new-passw0rd"}' $URL/api/v1/password

TXT
exec "$ESEAL" serve --dir "$DIR" --listen "$LISTEN" --web "$WEB"
