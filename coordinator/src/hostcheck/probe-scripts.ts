/**
 * The shell scripts a host check runs (POSIX sh, only coreutils and /proc; values arrive as "$1"...,
 * never pasted into the text). $0 is "etcdlab-hostcheck" so the check's own processes are recognisable.
 */

/** Facts in one round trip; $1 = work dir (created when missing, as deployment will). */
export const FACTS_SCRIPT = `
echo "@@uname $(uname -s) $(uname -r) $(uname -m)"
echo @@os; cat /etc/os-release 2>/dev/null
echo @@meminfo; cat /proc/meminfo
echo @@loadavg; cat /proc/loadavg
echo @@systemd
if command -v systemctl >/dev/null 2>&1; then timeout 10 systemctl is-system-running 2>/dev/null || true; else echo absent; fi
echo @@tools
for t in fio python3 dd; do command -v "$t" >/dev/null 2>&1 && echo "$t"; done
perl -MTime::HiRes -MIO::Handle -e 1 >/dev/null 2>&1 && echo perl
echo @@workdir
if mkdir -p -- "$1" 2>/dev/null && [ -w "$1" ]; then echo writable; else echo "not writable: $1"; fi
echo @@df; df -Pk -- "$1" 2>&1
`;

/**
 * For a user other than root ($1 = work dir, $2 = user): a missing work directory is made with sudo -n
 * and handed to the user, as deployment would; an existing one is left exactly as it is. Prints
 * made | exists (and, when it is not writable, whether sudo -n works: deployment hands it over then).
 */
export const WORKDIR_SUDO_SCRIPT = `
if [ -d "$1" ]; then
  if [ -w "$1" ]; then echo exists; elif sudo -n true 2>/dev/null; then echo "exists sudo"; else echo "exists nosudo"; fi
elif sudo -n mkdir -p -- "$1" && sudo -n chown -- "$2" "$1"; then echo made
else exit 1
fi
`;

/** Two samples of /proc/stat and every /proc/<pid>/stat, one second apart, then the command lines. */
export const SAMPLE_SCRIPT = `
echo "@@self $$"
echo @@stat1; cat /proc/stat
echo @@pids1; cat /proc/[0-9]*/stat 2>/dev/null
sleep 1
echo @@stat2; cat /proc/stat
echo @@pids2; cat /proc/[0-9]*/stat 2>/dev/null
echo @@cmdlines; head -v -c 2048 /proc/[0-9]*/cmdline 2>/dev/null
echo
`;

/** Answers each line on stdin with the host's wall clock in seconds (microseconds with bash 5, else date). */
export const CLOCK_SCRIPT = `
if command -v bash >/dev/null 2>&1 && [ -n "$(bash -c 'echo $EPOCHREALTIME' 2>/dev/null)" ]; then
  echo EPOCHREALTIME
  exec bash -c 'while read -r _; do echo "$EPOCHREALTIME"; done'
fi
echo date
while read -r _; do date +%s.%N; done
`;

/** $1 = file, $2 = writes, $3 = block size, $4 = time limit (s). Prints each fdatasync's microseconds. */
export const PYTHON_PROBE = `# etcdlab-hostcheck fsync probe
import os, sys, time
path, n, bs, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
buf = os.urandom(bs)
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
lat = []
end = time.monotonic() + limit
try:
    for _ in range(n):
        os.write(fd, buf)
        t0 = time.perf_counter()
        os.fdatasync(fd)
        lat.append(int((time.perf_counter() - t0) * 1e6))
        if time.monotonic() > end:
            break
finally:
    os.close(fd)
    os.unlink(path)
print(",".join(map(str, lat)))
`;

/** The same with perl (Time::HiRes; IO::Handle::sync is fsync). */
export const PERL_PROBE = `# etcdlab-hostcheck fsync probe
use strict; use Time::HiRes qw(time); use IO::Handle;
my ($path, $n, $bs, $limit) = @ARGV;
open(my $fh, '>', $path) or die "$path: $!"; binmode $fh;
my $buf = join('', map { chr(int(rand(256))) } 1 .. $bs);
my @lat; my $end = time + $limit;
for (1 .. $n) {
  defined(syswrite($fh, $buf)) or die "write: $!";
  my $t0 = time; $fh->sync or die "sync: $!";
  push @lat, int((time - $t0) * 1e6);
  last if time > $end;
}
close $fh; unlink $path;
print join(',', @lat), "\\n";
`;

/**
 * What faults on purpose need (fault-support.ts): root or sudo -n, systemd, a working nft (found outside
 * a non-root PATH too, and its path printed so the faults run that one), sch_netem, the tables (a link
 * fault left behind shows there) and the machine's addresses (which members share it). Constant text.
 */
export const FAULT_PROBE_SCRIPT = `
if [ "$(id -u)" = 0 ]; then p=root; sudo=; elif sudo -n true 2>/dev/null; then p=sudo; sudo="sudo -n"; else p=none; sudo=; fi
echo "@@priv $p"
s=$(timeout 10 systemctl is-system-running 2>/dev/null); echo "@@systemd \${s:-absent}"
nft=; for d in /usr/sbin /sbin /usr/bin /bin; do [ -x "$d/nft" ] && { nft=$d/nft; break; }; done
if [ -z "$nft" ]; then echo "@@nft no nft command on the host"
elif [ "$p" = none ]; then echo "@@nft no privilege to run nft"
elif out=$($sudo "$nft" list tables 2>&1); then echo "@@nft ok"; echo "@@nftpath $nft"; echo @@tables; echo "$out"
else echo "@@nft $nft list tables failed: $(echo "$out" | head -n 1)"; fi
ip=$(command -v ip 2>/dev/null); for d in /usr/sbin /sbin; do [ -z "$ip" ] && [ -x "$d/ip" ] && ip=$d/ip; done
echo @@addrs; if [ -n "$ip" ]; then "$ip" -o addr show 2>/dev/null | awk '{print $4}' | cut -d/ -f1; else hostname -I 2>/dev/null | tr ' ' '\\n'; fi
if [ -d /sys/module/sch_netem ] || { command -v modprobe >/dev/null 2>&1 && modprobe -n -q sch_netem 2>/dev/null; } || /sbin/modprobe -n -q sch_netem 2>/dev/null; then echo "@@netem yes"; else echo "@@netem no"; fi
`;
