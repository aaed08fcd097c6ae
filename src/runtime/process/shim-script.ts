// The per-container shim, as conmon is for CRI-O: a tiny Perl program (Perl is part of every Debian base system and
// starts in a few milliseconds with ~5 MB RSS, where a Node shim would cost ~40 MB per container). It outlives the
// agent, so a SIGKILLed agent leaves running containers running:
//   - forks the container into its own process group (stop signals the group; the shim itself is never hit),
//   - prints the container's pid on stdout and closes it (the agent reads it; nothing else uses a pipe),
//   - turns the container's stdout/stderr into CRI log lines "<RFC3339Nano> stdout|stderr F|P <text>" with
//     size-based rotation (log -> log.1 -> ... -> log.N),
//   - writes "<exitCode> <signal|-> <finishedAtMs>" to the exit file (tmp + rename) once the container is gone.
//   - with stdinOnce ("once:FIFO"), keeps the FIFO's only lasting writer itself and drops it when FIFO.closed
//     appears (the agent makes it when the first attach session ends), so the container reads EOF, as in
//     Kubernetes; without it the container opens the FIFO read-write and stdin never ends.
// argv: shim.pl LOG MAX_BYTES KEEP EXIT_FILE STDIN_FIFO|once:STDIN_FIFO|- -- ARGV...
// The environment and working directory are the container's own (the agent spawns the shim with them).
//
// Startup speed matters (the agent waits for the pid): the shim loads no module before it prints the pid. POSIX
// alone costs 10-20 ms, so it uses built-ins instead (setpgrp, 4-argument select, wait status arithmetic,
// WNOHANG = 1 as on Linux), and Time::HiRes (for nanosecond log times) is loaded only after the pid is out.
export const SHIM_SCRIPT = String.raw`
use strict;
my ($log, $max, $keep, $exitf, $fifo, $sep, @argv) = @ARGV;
die "usage" unless defined $sep && $sep eq '--' && @argv;
my $once = $fifo =~ s/^once://;
$SIG{PIPE} = 'IGNORE';
pipe(my $or, my $ow) or die "pipe: $!";
pipe(my $er, my $ew) or die "pipe: $!";
my $pid = fork();
die "fork: $!" unless defined $pid;
if ($pid == 0) {
  # The child never returns into the shim's code: exec or die with 126/127 (kill 9 skips END blocks and buffers).
  my $fail = sub { print STDERR "$_[1]\n"; require POSIX; POSIX::_exit($_[0]); };
  setpgrp(0, 0);
  $SIG{PIPE} = 'DEFAULT';
  close $or; close $er;
  if ($fifo ne '-') { open(STDIN, $once ? '<' : '+<', $fifo) or $fail->(126, "stdin: $!"); } else { open(STDIN, '<', '/dev/null'); }
  open(STDOUT, '>&', $ow) or $fail->(126, "stdout: $!");
  open(STDERR, '>&', $ew) or $fail->(126, "stderr: $!");
  close $ow; close $ew;
  { no warnings; exec { $argv[0] } @argv; }
  $fail->(127, "exec $argv[0]: $!");
}
close $ow; close $ew;
# Read-write never blocks on a FIFO; the child's read-only open waits for this writer.
my $hold; if ($once) { open($hold, '+<', $fifo) or die "stdin: $!"; }
syswrite(STDOUT, "$pid\n"); close STDOUT;
require Time::HiRes;
sub now { return Time::HiRes::time(); }
open(STDIN, '<', '/dev/null');
my $fh; my $size = 0;
sub openlog { open($fh, '>>', $log) or die "log: $!"; select((select($fh), $| = 1)[0]); $size = -s $log || 0; }
sub rotate {
  close $fh;
  for (my $i = $keep - 1; $i >= 1; $i--) { rename("$log.$i", "$log." . ($i + 1)) if -e "$log.$i"; }
  if ($keep > 0) { rename($log, "$log.1"); } else { unlink $log; }
  openlog();
}
sub ts {
  my $t = now(); my $s = int($t); my @g = gmtime($s);
  return sprintf("%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", $g[5] + 1900, $g[4] + 1, $g[3], $g[2], $g[1], $g[0], int(($t - $s) * 1e9));
}
sub emit { my ($stream, $tag, $text) = @_; my $l = ts() . " $stream $tag $text\n"; print $fh $l; $size += length($l); rotate() if $max > 0 && $size > $max; }
openlog();
my %buf = (stdout => '', stderr => '');
my %open = (stdout => $or, stderr => $er);
my ($status, $exited);
while (%open) {
  my $rin = '';
  vec($rin, fileno($_), 1) = 1 for values %open;
  my $n = select(my $rout = $rin, undef, undef, 0.1);
  for my $s ($n > 0 ? sort keys %open : ()) {
    my $h = $open{$s};
    next unless vec($rout, fileno($h), 1);
    my $got = sysread($h, my $chunk, 65536);
    if (!$got) { delete $open{$s}; close $h; emit($s, 'P', $buf{$s}) if length $buf{$s}; $buf{$s} = ''; next; }
    $buf{$s} .= $chunk;
    while ((my $i = index($buf{$s}, "\n")) >= 0) { emit($s, 'F', substr($buf{$s}, 0, $i)); substr($buf{$s}, 0, $i + 1) = ''; }
    while (length($buf{$s}) >= 16384) { emit($s, 'P', substr($buf{$s}, 0, 16384)); substr($buf{$s}, 0, 16384) = ''; }
  }
  if ($hold && -e "$fifo.closed") { close $hold; undef $hold; }
  # WNOHANG is 1 on Linux.
  if (!$exited && waitpid($pid, 1) == $pid) { $status = $?; $exited = now(); }
  # A daemonized grandchild may hold the pipes open: stop reading shortly after the container itself exited.
  last if $exited && now() - $exited > 0.5;
}
if (!$exited) { waitpid($pid, 0); $status = $?; $exited = now(); }
for my $s ('stdout', 'stderr') { emit($s, 'P', $buf{$s}) if length $buf{$s}; }
# Wait status by arithmetic: low 7 bits the signal (0 = exited normally), the next byte the exit code.
my ($code, $sig) = (0, '-');
my $low = $status & 127;
if ($low == 0) { $code = ($status >> 8) & 255; } elsif ($low != 127) { $code = 128 + $low; $sig = $low; }
open(my $x, '>', "$exitf.tmp") or die; print $x "$code $sig " . int($exited * 1000) . "\n"; close $x; rename("$exitf.tmp", $exitf);
exit 0;
`;
