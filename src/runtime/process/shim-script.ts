// The per-container shim, as conmon is for CRI-O: a tiny Perl program (Perl is part of every Debian base system and
// starts in a few milliseconds with ~5 MB RSS, where a Node shim would cost ~40 MB per container). It outlives the
// agent, so a SIGKILLed agent leaves running containers running:
//   - forks the container into its own process group (stop signals the group; the shim itself is never hit),
//   - prints the container's pid on stdout and closes it (the agent reads it; nothing else uses a pipe),
//   - turns the container's stdout/stderr into CRI log lines "<RFC3339Nano> stdout|stderr F|P <text>" with
//     size-based rotation (log -> log.1 -> ... -> log.N),
//   - writes "<exitCode> <signal|-> <finishedAtMs>" to the exit file (tmp + rename) once the container is gone.
// argv: shim.pl LOG MAX_BYTES KEEP EXIT_FILE STDIN_FIFO|- -- ARGV...
// The environment and working directory are the container's own (the agent spawns the shim with them).
export const SHIM_SCRIPT = String.raw`
use strict;
use POSIX qw(setpgid _exit WNOHANG WIFEXITED WEXITSTATUS WIFSIGNALED WTERMSIG);
use Time::HiRes qw(time);
use IO::Select;
my ($log, $max, $keep, $exitf, $fifo, $sep, @argv) = @ARGV;
die "usage" unless defined $sep && $sep eq '--' && @argv;
$SIG{PIPE} = 'IGNORE';
pipe(my $or, my $ow) or die "pipe: $!";
pipe(my $er, my $ew) or die "pipe: $!";
my $pid = fork();
die "fork: $!" unless defined $pid;
if ($pid == 0) {
  setpgid(0, 0);
  $SIG{PIPE} = 'DEFAULT';
  close $or; close $er;
  if ($fifo ne '-') { open(STDIN, '+<', $fifo) or _exit(126); } else { open(STDIN, '<', '/dev/null'); }
  open(STDOUT, '>&', $ow) or _exit(126);
  open(STDERR, '>&', $ew) or _exit(126);
  close $ow; close $ew;
  { no warnings; exec { $argv[0] } @argv; }
  print STDERR "exec $argv[0]: $!\n";
  _exit(127);
}
close $ow; close $ew;
print STDOUT "$pid\n"; close STDOUT;
open(STDIN, '<', '/dev/null');
my $fh; my $size = 0;
sub openlog { open($fh, '>>', $log) or die "log: $!"; $fh->autoflush(1); $size = -s $log || 0; }
sub rotate {
  close $fh;
  for (my $i = $keep - 1; $i >= 1; $i--) { rename("$log.$i", "$log." . ($i + 1)) if -e "$log.$i"; }
  if ($keep > 0) { rename($log, "$log.1"); } else { unlink $log; }
  openlog();
}
sub ts {
  my $t = time; my $s = int($t); my @g = gmtime($s);
  return sprintf("%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", $g[5] + 1900, $g[4] + 1, $g[3], $g[2], $g[1], $g[0], int(($t - $s) * 1e9));
}
sub emit { my ($stream, $tag, $text) = @_; my $l = ts() . " $stream $tag $text\n"; print $fh $l; $size += length($l); rotate() if $max > 0 && $size > $max; }
openlog();
my %buf = (stdout => '', stderr => '');
my %name = (fileno($or) => 'stdout', fileno($er) => 'stderr');
my $sel = IO::Select->new($or, $er);
my ($status, $exited);
while ($sel->count) {
  for my $h ($sel->can_read(0.1)) {
    my $s = $name{fileno($h)};
    my $n = sysread($h, my $chunk, 65536);
    if (!$n) { $sel->remove($h); close $h; emit($s, 'P', $buf{$s}) if length $buf{$s}; $buf{$s} = ''; next; }
    $buf{$s} .= $chunk;
    while ((my $i = index($buf{$s}, "\n")) >= 0) { emit($s, 'F', substr($buf{$s}, 0, $i)); substr($buf{$s}, 0, $i + 1) = ''; }
    while (length($buf{$s}) >= 16384) { emit($s, 'P', substr($buf{$s}, 0, 16384)); substr($buf{$s}, 0, 16384) = ''; }
  }
  if (!$exited && waitpid($pid, WNOHANG) == $pid) { $status = $?; $exited = time; }
  # A daemonized grandchild may hold the pipes open: stop reading shortly after the container itself exited.
  last if $exited && time - $exited > 0.5;
}
if (!$exited) { waitpid($pid, 0); $status = $?; $exited = time; }
for my $s ('stdout', 'stderr') { emit($s, 'P', $buf{$s}) if length $buf{$s}; }
my ($code, $sig) = (0, '-');
if (WIFEXITED($status)) { $code = WEXITSTATUS($status); } elsif (WIFSIGNALED($status)) { $code = 128 + WTERMSIG($status); $sig = WTERMSIG($status); }
open(my $x, '>', "$exitf.tmp") or die; print $x "$code $sig " . int($exited * 1000) . "\n"; close $x; rename("$exitf.tmp", $exitf);
exit 0;
`;
