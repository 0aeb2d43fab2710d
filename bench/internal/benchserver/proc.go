package benchserver

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"time"
)

// ProcStat is a process's CPU time and memory, from /proc. Two samples give
// the CPU used in between (cores = ΔCPU / ΔAt), which is what the tools
// report for the server and for themselves.
type ProcStat struct {
	At      time.Time
	CPU     time.Duration // user + system
	RSS     int64         // bytes
	HWM     int64         // peak RSS, bytes
	Threads int
	FDs     int
}

// clockTick is USER_HZ, 100 on every Linux architecture Go supports.
const clockTick = 100

// ReadProc reads pid's /proc/<pid>/stat (utime, stime), status (RSS, peak
// RSS, threads) and fd (open descriptors); pid 0 means this process.
func ReadProc(pid int) (ProcStat, error) {
	p := ProcStat{At: time.Now()}
	name := "self"
	if pid != 0 {
		name = strconv.Itoa(pid)
	}
	b, err := os.ReadFile("/proc/" + name + "/stat")
	if err != nil {
		return p, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return p, errors.New("bad /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return p, errors.New("short /proc stat")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	p.CPU = time.Duration(ut+st) * time.Second / clockTick
	status, err := os.ReadFile("/proc/" + name + "/status")
	if err != nil {
		return p, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fs := strings.Fields(v)
		if len(fs) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(fs[0], 10, 64)
		switch k {
		case "VmRSS":
			p.RSS = n * 1024
		case "VmHWM":
			p.HWM = n * 1024
		case "Threads":
			p.Threads = int(n)
		}
	}
	if ents, err := os.ReadDir("/proc/" + name + "/fd"); err == nil {
		p.FDs = len(ents)
	}
	return p, nil
}
