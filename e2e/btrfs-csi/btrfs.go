package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/sys/unix"
)

const btrfsMagic = 0x9123683e

func isBtrfs(path string) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return false, err
	}
	return int64(st.Type) == btrfsMagic, nil
}

func run(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func subvolumeCreate(ctx context.Context, path string) error {
	if err := run(ctx, "btrfs", "subvolume", "create", path); err != nil {
		return err
	}
	// Pods run as any user; the kubelet applies fsGroup (the CSIDriver's fsGroupPolicy: File).
	return os.Chmod(path, 0o777)
}

func subvolumeSnapshot(ctx context.Context, src, dst string, readonly bool) error {
	args := []string{"btrfs", "subvolume", "snapshot"}
	if readonly {
		args = append(args, "-r")
	}
	return run(ctx, append(args, src, dst)...)
}

func subvolumeDelete(ctx context.Context, path string) error {
	return run(ctx, "btrfs", "subvolume", "delete", "--commit-after", path)
}

// isMountPoint: the path is the mount point of some mount (read from /proc/self/mountinfo, which
// also sees bind mounts of directories on the same file system).
func isMountPoint(path string) (bool, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) > 4 && unescapeMountPath(fields[4]) == path {
			return true, nil
		}
	}
	return false, s.Err()
}

func unescapeMountPath(s string) string {
	r := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`)
	return r.Replace(s)
}

func bindMount(src, target string, readonly bool) error {
	if err := os.MkdirAll(target, 0o750); err != nil {
		return err
	}
	if m, err := isMountPoint(target); err != nil {
		return err
	} else if m {
		return nil // published already
	}
	if err := unix.Mount(src, target, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind mount %s -> %s: %w", src, target, err)
	}
	if readonly {
		if err := unix.Mount("", target, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
			_ = unix.Unmount(target, 0)
			return fmt.Errorf("read-only remount of %s: %w", target, err)
		}
	}
	return nil
}

func unmountAndRemove(target string) error {
	for {
		m, err := isMountPoint(target)
		if err != nil {
			return err
		}
		if !m {
			break
		}
		if err := unix.Unmount(target, 0); err != nil {
			return err
		}
	}
	if err := os.Remove(target); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}
