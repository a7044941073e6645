import os, sys
R = sys.argv[1]
def w(p, s, mode=None):
    full = os.path.join(R, p.lstrip('/'))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, 'w' if isinstance(s, str) else 'wb') as f:
        f.write(s)
def ln(p, target):
    full = os.path.join(R, p.lstrip('/'))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    if os.path.lexists(full): os.remove(full)
    os.symlink(target, full)

w('/.dockerenv', '')
w('/etc/os-release', '''PRETTY_NAME="Ubuntu 22.04.3 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.3 LTS (Jammy Jellyfish)"
ID=ubuntu
ID_LIKE=debian
''')
w('/etc/timezone', 'Europe/Berlin\n')
w('/etc/default/locale', 'LANG="de_DE.UTF-8"\n')
w('/etc/environment', 'PATH="/usr/local/sbin:/usr/bin"\nhttp_proxy="http://proxy.corp.example:3128"\nNO_PROXY=localhost,.corp.example\n')
w('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\npostgres:x:105:110:PostgreSQL:/var/lib/postgresql:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n')
w('/sys/class/dmi/id/sys_vendor', 'QEMU\n')
w('/sys/class/dmi/id/product_name', 'Standard PC (Q35 + ICH9, 2009)\n')
w('/run/systemd/timesync/synchronized', '')
w('/var/lib/chrony/drift', '   -2.345   0.123\n')
w('/data/.keep', '')

cpu = '''processor	: {n}
vendor_id	: GenuineIntel
cpu family	: 6
model		: 79
model name	: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz
stepping	: 1
microcode	: 0x1
cpu MHz		: 2399.998
cache size	: 35840 KB
physical id	: 0
siblings	: 2
core id		: {n}
cpu cores	: 2
apicid		: {n}
fpu		: yes
flags		: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov sse sse2 ht syscall nx lm constant_tsc hypervisor lahf_lm
bogomips	: 4799.99

'''
w('/proc/cpuinfo', cpu.format(n=0) + cpu.format(n=1))
w('/proc/loadavg', '0.52 0.31 0.20 2/345 12345\n')
w('/proc/uptime', '12345.67 20000.00\n')
w('/proc/stat', '''cpu  10000 200 3000 80000 500 0 100 50 0 0
cpu0 5000 100 1500 40000 250 0 50 25 0 0
cpu1 5000 100 1500 40000 250 0 50 25 0 0
intr 0
ctxt 123456
btime 1700000000
processes 4000
procs_running 1
procs_blocked 0
''')
w('/proc/meminfo', '''MemTotal:        8000000 kB
MemFree:         2000000 kB
MemAvailable:    5000000 kB
Buffers:          100000 kB
Cached:          2500000 kB
SwapCached:            0 kB
Active:          3000000 kB
Inactive:        2000000 kB
Shmem:             50000 kB
Dirty:              1234 kB
Writeback:             0 kB
Slab:             300000 kB
SReclaimable:     200000 kB
SUnreclaim:       100000 kB
CommitLimit:     6000000 kB
Committed_AS:    4000000 kB
SwapTotal:       2000000 kB
SwapFree:        1500000 kB
HugePages_Total:       0
HugePages_Free:        0
Hugepagesize:       2048 kB
''')
w('/proc/vmstat', 'nr_free_pages 500000\npgpgin 1000\npgpgout 2000\npswpin 10\npswpout 20\n')
w('/proc/sys/kernel/hostname', 'fixture-host\n')
w('/proc/sys/kernel/osrelease', '5.15.0-91-generic\n')
w('/proc/sys/kernel/arch', 'x86_64\n')
w('/proc/sys/kernel/pid_max', '4194304\n')
w('/proc/sys/fs/file-max', '9223372036854775807\n')
w('/proc/sys/fs/file-nr', '1504\t0\t9223372036854775807\n')
w('/proc/sys/fs/nr_open', '1048576\n')
w('/proc/sys/net/core/somaxconn', '4096\n')
w('/proc/sys/net/ipv4/ip_local_port_range', '32768\t60999\n')
w('/proc/self/limits', '''Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max file size             unlimited            unlimited            bytes     
Max data size             unlimited            unlimited            bytes     
Max stack size            8388608              unlimited            bytes     
Max core file size        0                    unlimited            bytes     
Max resident set          unlimited            unlimited            bytes     
Max processes             63432                63432                processes 
Max open files            1024                 524288               files     
Max locked memory         8388608              8388608              bytes     
Max address space         unlimited            unlimited            bytes     
Max file locks            unlimited            unlimited            locks     
Max pending signals       63432                63432                signals   
Max msgqueue size         819200               819200               bytes     
Max nice priority         0                    0                    
Max realtime priority     0                    0                    
Max realtime timeout      unlimited            unlimited            us        
''')
w('/proc/filesystems', 'nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\n\text4\n\txfs\nnodev\toverlay\n')
w('/proc/1/mountinfo', '''22 1 0:21 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w
23 22 0:22 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
24 22 8:1 /volumes/pgdata /data rw,noatime - ext4 /dev/sda1 rw,errors=remount-ro
25 22 0:23 / /tmp rw,nosuid - tmpfs tmpfs rw,size=65536k
26 22 8:2 / /data/archive ro,relatime - xfs /dev/sdb1 ro,attr2
''')
w('/data/archive/.keep', '')
w('/proc/1/cgroup', '0::/kubepods/besteffort/pod5f1c2d3e-aaaa-bbbb-cccc-0123456789ab/8d9e7f6a5b4c\n')
w('/proc/self/cgroup', '0::/\n')
w('/proc/net/dev', '''Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    5000      50    0    0    0     0          0         0     5000      50    0    0    0     0       0          0
  eth0: 1234567    8901    1    2    0     0          0         0   765432     4321    3    4    0     0       0          0
''')
hdr = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n'
def tl(i, l, r, st, inode, uid=105):
    return f'   {i}: {l} {r} {st} 00000000:00000000 00:00000000 00000000   {uid}        0 {inode} 1 0000000000000000 100 0 0 10 0\n'
w('/proc/net/tcp', hdr + tl(0,'00000000:1538','00000000:0000','0A',1001)
  + tl(1,'0100007F:1538','0100007F:D431','01',1002)
  + tl(2,'0100007F:D431','0100007F:1538','01',1003, 1000)
  + tl(3,'0100007F:1F90','00000000:0000','0A',1004, 1000)
  + tl(4,'0100007F:A000','0100007F:1538','06',0, 0))
z = '0'*32
w('/proc/net/tcp6', hdr + tl(0, z+':1538', z+':0000', '0A', 1005))
w('/proc/net/udp', hdr + tl(0,'00000000:0044','00000000:0000','07',1006, 0))
w('/proc/net/udp6', hdr)

def stat(pid, comm, state, ppid, utime, stime, threads, start, vsize, rss):
    f = [state, ppid, pid, pid, 0, -1, 4194560, 100, 0, 0, 0, utime, stime, 0, 0, 20, 0, threads, 0, start, vsize, rss] + [0]*30
    return f'{pid} ({comm}) ' + ' '.join(str(x) for x in f) + '\n'
procs = [
  (1, 'tini', 'S', 0, 150, 50, 1, 100, 10000000, 1000, b'/sbin/tini\x00--\x00/docker-entrypoint.sh\x00', 0),
  (42, 'postgres', 'S', 1, 1000, 500, 4, 500, 500000000, 50000, b'postgres\x00-D\x00/var/lib/postgresql/data\x00', 105),
  (99, 'my (weird) app', 'R', 1, 300, 0, 2, 1000, 200000000, 10000, b'/opt/app/bin/app\x00--token=abc123\x00--listen\x00127.0.0.1:8080\x00', 1000),
  (120, 'defunct', 'Z', 42, 0, 0, 1, 2000, 0, 0, b'', 105),
]
for pid, comm, state, ppid, ut, st, th, start, vs, rss, cmd, uid in procs:
    w(f'/proc/{pid}/stat', stat(pid, comm, state, ppid, ut, st, th, start, vs, rss))
    w(f'/proc/{pid}/comm', comm + '\n')
    w(f'/proc/{pid}/cmdline', cmd)
    w(f'/proc/{pid}/status', f'Name:\t{comm}\nState:\t{state}\nPid:\t{pid}\nPPid:\t{ppid}\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t{uid}\t{uid}\t{uid}\t{uid}\n')
ln('/proc/1/fd/0', '/dev/null')
ln('/proc/1/fd/7', 'socket:[1006]')
ln('/proc/42/fd/5', 'socket:[1001]')
ln('/proc/42/fd/6', 'socket:[1005]')
ln('/proc/42/fd/7', 'socket:[1002]')
ln('/proc/99/fd/3', 'socket:[1004]')
ln('/proc/99/fd/4', 'socket:[1003]')
os.makedirs(os.path.join(R, 'proc/120/fd'), exist_ok=True)
w('/proc/120/fd/.keep', '')
w('/sys/class/net/eth0/operstate', 'up\n')
w('/sys/class/net/eth0/speed', '10000\n')
w('/sys/class/net/eth0/duplex', 'full\n')
w('/sys/class/net/lo/operstate', 'unknown\n')
