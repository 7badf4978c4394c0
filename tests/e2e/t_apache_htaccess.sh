#!/usr/bin/env bash
# deploy/htaccess-fcgid and deploy/htaccess-cgi on a shared host's Apache: the folders
# are set up only by those .htaccess files ("AllowOverride Options FileInfo
# AuthConfig", mod_fcgid at its defaults). Each route takes a deal through its whole
# lifecycle and refuses bad input; under mod_fcgid, Apache's own 128 KiB cap answers a
# large Kommo post before the program, as deploy/README.md says.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apache.sh"
kzs_setup
# shellcheck disable=SC2034 # read by recipe.sh
RECIPE_KZSCTL=kzsctl_apache
recipe_generate htaccess-fcgid "$T/htaccess-fcgid" || exit 1
recipe_generate htaccess-cgi "$T/htaccess-cgi" || exit 1
if ! kzs_apache_shared_start "$T/htaccess-fcgid" "$T/htaccess-cgi"; then
	not_ok "Apache did not start"
	sed 's/^/#   /' "$T/apache/logs/error.log" 2>/dev/null | tail -n 20
	exit 1
fi
trap 'kzs_apache_stop; kzs_teardown' EXIT
ok "Apache started, the programs' folders set up by the shipped .htaccess files only"

echo "# mod_fcgid through deploy/htaccess-fcgid"
recipe_lifecycle "$APACHE_URL/cgi-bin" 1001
recipe_refusals "$APACHE_URL/cgi-bin" 500
check_match "the cap's answer is Apache's own page, not the program's" "$BODY" "<title>500 Internal Server Error</title>"
check_match "Apache's log says why" "$(cat "$T/apache/logs/error.log")" "HTTP request length [0-9]+ \\(so far\\) exceeds MaxRequestLen \\(131072\\)"

echo "# plain CGI through deploy/htaccess-cgi"
recipe_lifecycle "$APACHE_URL/cgi" 1002
recipe_refusals "$APACHE_URL/cgi"

# Without the .htaccess, the host's defaults: the program is not run but served as a
# file (deploy/README.md tells to check for this).
rm "$T/apache/htdocs/cgi-bin/.htaccess"
http_call GET "$APACHE_URL/cgi-bin/kommo-hook"
check_eq "without the .htaccess Apache serves the program's file instead of running it" \
	"$STATUS $(head -c 4 "$T/resp.body" | tail -c 3)" "200 ELF"

recipe_no_sanitizer_report "$T/apache/logs/error.log" "$T/apache/logs/kzsctl.log"
