/* Unit tests for the drive URL checks: the Kommo token goes to Kommo's own hosts only. */
#include "kommo_drive.h"

#include "check.h"

#define KOMMO "https://acme.kommo.com"
#define LOOP "http://127.0.0.1:8080"

int
main(void)
{
	static const char *const trusted[] = {
		"https://drive-c.kommo.com", "https://drive-b.kommo.com/", "https://DRIVE-C.Kommo.COM",
		"https://drive-c.kommo.com:443", "https://drive-b.amocrm.com", "https://drive-b.amocrm.ru",
	};
	static const char *const refused[] = {
		"http://drive-c.kommo.com", "https://drive.attacker.example", "https://evilkommo.com",
		"https://kommo.com.attacker.example", "https://drive-c.kommo.com@attacker.example",
		"https://drive-c.kommo.com\\@attacker.example", "https://drive-c.kommo.com.",
		"https://drive c.kommo.com", "https://drive-c.kommo.com\r\n", "ftp://drive-c.kommo.com",
		"https://drive-c.kommo.com:0", "https://drive-c.kommo.com:99999", "https://drive-c.kommo.com:x",
		"https://%64rive.kommo.com", "http://127.0.0.1:29871", "https://127.0.0.1", "", "https://",
		"https://[::1]:80",
	};
	size_t i;

	for (i = 0; i < sizeof trusted / sizeof trusted[0]; i++)
		CHECK(kommo_drive_url_trusted(trusted[i], KOMMO) == 1, "trusted: %s", trusted[i]);
	for (i = 0; i < sizeof refused / sizeof refused[0]; i++)
		CHECK(kommo_drive_url_trusted(refused[i], KOMMO) == 0, "refused with a Kommo base: %s", refused[i]);
	CHECK(kommo_drive_url_trusted(NULL, KOMMO) == 0, "refused: no URL");
	CHECK(kommo_drive_url_trusted("http://127.0.0.1:29871/drive", LOOP) == 1,
	    "loopback drive with a loopback base (the tests' fakes)");
	CHECK(kommo_drive_url_trusted("http://[::1]:29871", "http://localhost:8080") == 1,
	    "[::1] drive with a localhost base");
	CHECK(kommo_drive_url_trusted("http://127.0.0.2:29871", LOOP) == 0, "127.0.0.2 is not our loopback");
	CHECK(kommo_drive_url_trusted("http://10.0.0.1", LOOP) == 0, "a LAN host with a loopback base");

	CHECK(kommo_drive_same_origin("https://drive-c.kommo.com/v1.0/upload/abc", "https://drive-c.kommo.com") == 1,
	    "same origin: path added");
	CHECK(kommo_drive_same_origin("https://drive-c.kommo.com:443/x", "https://Drive-C.kommo.com/") == 1,
	    "same origin: default port spelt out, host case");
	CHECK(kommo_drive_same_origin("https://drive-b.kommo.com/x", "https://drive-c.kommo.com") == 0,
	    "another host of the same domain");
	CHECK(kommo_drive_same_origin("http://drive-c.kommo.com/x", "https://drive-c.kommo.com") == 0,
	    "another scheme");
	CHECK(kommo_drive_same_origin("https://drive-c.kommo.com:8443/x", "https://drive-c.kommo.com") == 0,
	    "another port");
	CHECK(kommo_drive_same_origin("http://127.0.0.1:2/drive", "http://127.0.0.1:1/drive") == 0,
	    "loopback, another port");
	CHECK(kommo_drive_same_origin("https://drive-c.kommo.com@attacker.example/x", "https://drive-c.kommo.com") == 0,
	    "user info that hides another host");
	CHECK(kommo_drive_same_origin("/v1.0/upload/abc", "https://drive-c.kommo.com") == 0, "a relative URL");
	return CHECK_DONE();
}
