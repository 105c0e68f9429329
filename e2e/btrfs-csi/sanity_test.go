package main

import (
	"path/filepath"
	"testing"

	"github.com/kubernetes-csi/csi-test/v5/pkg/sanity"
)

// TestCSISanity runs the kubernetes-csi sanity suite (csi-test v5) against the driver on a real
// btrfs file system; afterwards no subvolume may be left.
func TestCSISanity(t *testing.T) {
	mnt := btrfsFS(t)
	_, sock, _ := startDriver(t, mnt)
	cfg := sanity.NewTestConfig()
	cfg.Address = "unix://" + sock
	dir := t.TempDir()
	cfg.TargetPath = filepath.Join(dir, "target")
	cfg.StagingPath = filepath.Join(dir, "staging")
	cfg.IDGen = &sanity.DefaultIDGenerator{}
	sanity.Test(t, cfg)
	if left := subvolumes(t, mnt); len(left) != 0 {
		t.Errorf("subvolumes left after the sanity suite: %v", left)
	}
}
