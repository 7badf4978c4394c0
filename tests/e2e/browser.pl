#!/usr/bin/perl
# browser.pl CHROMIUM PROFILE_DIR < SCRIPT: drives one headless Chromium tab through the
# DevTools protocol over --remote-debugging-pipe (JSON messages ending in NUL on fds 3
# and 4), so a test can click buttons as a person does. Perl core modules only.
# SCRIPT lines (every URL and selector as given; waits are for the page's load event):
#   header NAME VALUE    send this header with every request from now on
#   go URL               open URL
#   click SELECTOR       click the element (document.querySelector) and wait for the
#                        page it leads to
#   dom FILE             write the page's HTML to FILE
#   url FILE             write the page's address to FILE
#   js FILE EXPRESSION   write the value of the JavaScript EXPRESSION (evaluated in the
#                        page) to FILE
#   shot FILE            write a PNG screenshot (900x600) to FILE
#   cookies FILE         write the browser's cookies as JSON to FILE
# Chromium's own output goes to PROFILE_DIR.log; BROWSER_DEBUG=1 echoes each line to
# stderr. Exit status non-zero with a message on error.
use strict;
use warnings;
use JSON::PP;
use MIME::Base64;
use POSIX qw(dup2 _exit);

my ($chromium, $profile) = @ARGV;
die "usage: browser.pl CHROMIUM PROFILE_DIR < SCRIPT\n" unless defined $profile;
$^F = 255; # the pipes must survive exec (no close-on-exec)
pipe(my $to_read, my $to_browser) or die "pipe: $!";
pipe(my $from_browser, my $from_write) or die "pipe: $!";
my $pid = fork // die "fork: $!";
if ($pid == 0) {
	dup2(fileno($to_read), 3) // _exit(127);
	dup2(fileno($from_write), 4) // _exit(127);
	open(STDOUT, '>>', "$profile.log") && open(STDERR, '>&', \*STDOUT) or _exit(127);
	{ exec($chromium, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	    '--disable-background-networking', '--disable-component-update', '--disable-sync',
	    '--hide-scrollbars', '--remote-debugging-pipe', "--user-data-dir=$profile", 'about:blank') }
	_exit(127);
}
close($to_read);
close($from_write);
$SIG{ALRM} = sub { kill('TERM', $pid); die "browser.pl: no answer from Chromium within 90 s\n" };
alarm(90);

my ($next_id, $pending, @events) = (0, '');
my $session;

sub message {
	while (index($pending, "\0") < 0) {
		my $n = sysread($from_browser, my $chunk, 1 << 16);
		die "browser.pl: Chromium closed the pipe\n" unless $n;
		$pending .= $chunk;
	}
	my $end = index($pending, "\0");
	my $text = substr($pending, 0, $end);
	$pending = substr($pending, $end + 1);
	return decode_json($text);
}

# call METHOD PARAMS [BROWSER]: the result of one command, to the tab unless BROWSER.
sub call {
	my ($method, $params, $browser) = @_;
	my %msg = (id => ++$next_id, method => $method, params => $params // {});
	$msg{sessionId} = $session if $session && !$browser;
	syswrite($to_browser, encode_json(\%msg) . "\0") or die "browser.pl: write: $!\n";
	for (;;) {
		my $m = message();
		if (!defined $m->{id}) { push @events, $m; next }
		next if $m->{id} != $next_id;
		die "browser.pl: $method: $m->{error}{message}\n" if $m->{error};
		return $m->{result};
	}
}

sub wait_load {
	for (;;) {
		while (my $e = shift @events) {
			return if $e->{method} eq 'Page.loadEventFired';
		}
		my $m = message();
		push @events, $m unless defined $m->{id};
	}
}

sub evaluate {
	my ($js) = @_;
	my $r = call('Runtime.evaluate', { expression => $js, returnByValue => JSON::PP::true });
	die "browser.pl: $js: $r->{exceptionDetails}{text}\n" if $r->{exceptionDetails};
	return $r->{result}{value};
}

sub write_file {
	my ($file, $data) = @_;
	open(my $fh, '>', $file) or die "browser.pl: $file: $!\n";
	binmode($fh);
	print $fh $data;
	close($fh);
}

my $target = call('Target.createTarget', { url => 'about:blank' }, 1)->{targetId};
$session = call('Target.attachToTarget', { targetId => $target, flatten => JSON::PP::true }, 1)->{sessionId};
call('Page.enable');
call('Network.enable');
call('Emulation.setDeviceMetricsOverride', { width => 900, height => 600, deviceScaleFactor => 1,
    mobile => JSON::PP::false });
my %headers;
while (my $line = <STDIN>) {
	chomp $line;
	next if $line =~ /^\s*(#|$)/;
	my ($cmd, $arg) = split(/ /, $line, 2);
	print STDERR "browser.pl: $line\n" if $ENV{BROWSER_DEBUG};
	if ($cmd eq 'header') {
		my ($name, $value) = split(/ /, $arg, 2);
		$headers{$name} = $value;
		call('Network.setExtraHTTPHeaders', { headers => \%headers });
	} elsif ($cmd eq 'go') {
		@events = ();
		my $r = call('Page.navigate', { url => $arg });
		die "browser.pl: $arg: $r->{errorText}\n" if $r->{errorText};
		wait_load();
	} elsif ($cmd eq 'click') {
		@events = ();
		evaluate('document.querySelector(' . encode_json([$arg]) . '[0]).click()');
		wait_load();
	} elsif ($cmd eq 'dom') {
		write_file($arg, evaluate('document.documentElement.outerHTML'));
	} elsif ($cmd eq 'url') {
		write_file($arg, evaluate('location.href'));
	} elsif ($cmd eq 'js') {
		my ($file, $js) = split(/ /, $arg, 2);
		write_file($file, evaluate($js));
	} elsif ($cmd eq 'shot') {
		write_file($arg, decode_base64(call('Page.captureScreenshot', { format => 'png' })->{data}));
	} elsif ($cmd eq 'cookies') {
		write_file($arg, encode_json(call('Storage.getCookies', {}, 1)->{cookies}));
	} else {
		die "browser.pl: unknown command $cmd\n";
	}
}
eval { call('Browser.close', {}, 1) };
waitpid($pid, 0);
exit 0;
