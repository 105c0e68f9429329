package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// btrfsFS makes a btrfs file system on a loop-device file under a temp dir and mounts it; the
// cleanup unmounts it and detaches the loop device (mount -o loop sets autoclear).
func btrfsFS(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("btrfs-csi tests need root (losetup, mount); run them as the local cluster runs: as root")
	}
	for _, tool := range []string{"mkfs.btrfs", "btrfs", "mount", "umount"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install btrfs-progs (e2e/scripts/ensure-host.sh does)", tool)
		}
	}
	dir := t.TempDir()
	img, mnt := filepath.Join(dir, "fs.img"), filepath.Join(dir, "mnt")
	must(t, os.MkdirAll(mnt, 0o755))
	f, err := os.Create(img)
	must(t, err)
	must(t, f.Truncate(512<<20))
	must(t, f.Close())
	sh(t, "mkfs.btrfs", "-q", img)
	sh(t, "mount", "-o", "loop", img, mnt)
	t.Cleanup(func() {
		// Volumes a test left published are bind mounts under the temp dir: unmount them first.
		out, _ := os.ReadFile("/proc/self/mountinfo")
		for _, line := range strings.Split(string(out), "\n") {
			fs := strings.Fields(line)
			if len(fs) > 4 && strings.HasPrefix(fs[4], dir+"/") && fs[4] != mnt {
				_ = exec.Command("umount", fs[4]).Run()
			}
		}
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", mnt, err, out)
		}
		if out, _ := exec.Command("losetup", "-j", img).Output(); len(strings.TrimSpace(string(out))) > 0 {
			t.Errorf("loop device left attached after umount: %s", out)
		}
	})
	return mnt
}

// startDriver serves a Driver on a unix socket in a temp dir and returns the socket path and a
// client connection.
func startDriver(t *testing.T, root string) (*Driver, string, *grpc.ClientConn) {
	t.Helper()
	d, err := NewDriver("btrfs.csi.stowage.dev", "test", "test-node", root)
	must(t, err)
	sock := filepath.Join(t.TempDir(), "csi.sock")
	srv, err := Serve(d, sock)
	must(t, err)
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	must(t, err)
	t.Cleanup(func() { conn.Close() })
	return d, sock, conn
}

func subvolumes(t *testing.T, mnt string) []string {
	t.Helper()
	out, err := exec.CommandContext(context.Background(), "btrfs", "subvolume", "list", "-o", mnt).CombinedOutput()
	if err != nil {
		// -o lists only below mnt; also fine to list all
		out, err = exec.Command("btrfs", "subvolume", "list", mnt).CombinedOutput()
	}
	if err != nil {
		t.Fatalf("btrfs subvolume list: %v: %s", err, out)
	}
	var paths []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if i := strings.LastIndex(l, " path "); i >= 0 {
			paths = append(paths, l[i+6:])
		}
	}
	return paths
}

func sh(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
