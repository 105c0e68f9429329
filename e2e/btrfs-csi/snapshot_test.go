package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
)

var mountCap = &csi.VolumeCapability{
	AccessType: &csi.VolumeCapability_Mount{Mount: &csi.VolumeCapability_MountVolume{}},
	AccessMode: &csi.VolumeCapability_AccessMode{Mode: csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER},
}

const recLen = 64

// record i of the writer's stream: fixed length, so a prefix is easy to recognise.
func record(i int) []byte { return []byte(fmt.Sprintf("%-63d\n", i)) }

// TestSnapshotWhileAWriterAppendsIsAConsistentPrefix: a writer appends record i to a.log (fsync),
// then record i to b.log (fsync), in a loop, on a published volume; a CSI snapshot taken meanwhile
// must hold, in each file, a byte prefix of the stream; b.log never ahead of a.log and at most one
// record behind (a point in time: a copy that reads a.log, then b.log, would find b ahead); and
// a.log at least everything fsynced before CreateSnapshot was called. A volume from the snapshot,
// published, shows exactly the snapshot's bytes.
func TestSnapshotWhileAWriterAppendsIsAConsistentPrefix(t *testing.T) {
	mnt := btrfsFS(t)
	_, _, conn := startDriver(t, mnt)
	ctl, node := csi.NewControllerClient(conn), csi.NewNodeClient(conn)
	ctx := context.Background()
	vol, err := ctl.CreateVolume(ctx, &csi.CreateVolumeRequest{Name: "pvc-writer", VolumeCapabilities: []*csi.VolumeCapability{mountCap},
		CapacityRange: &csi.CapacityRange{RequiredBytes: 64 << 20}})
	must(t, err)
	target := filepath.Join(t.TempDir(), "pod", "mount")
	_, err = node.NodePublishVolume(ctx, &csi.NodePublishVolumeRequest{VolumeId: vol.Volume.VolumeId, TargetPath: target, VolumeCapability: mountCap})
	must(t, err)

	a, err := os.OpenFile(filepath.Join(target, "a.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	must(t, err)
	b, err := os.OpenFile(filepath.Join(target, "b.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	must(t, err)
	var synced atomic.Int64 // records of a.log fsynced so far
	var stop atomic.Bool
	var wg sync.WaitGroup
	var werr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			for _, f := range []*os.File{a, b} {
				if _, err := f.Write(record(i)); err != nil {
					werr = err
					return
				}
				if err := f.Sync(); err != nil {
					werr = err
					return
				}
				if f == a {
					synced.Store(int64(i + 1))
				}
			}
		}
	}()
	for synced.Load() < 200 && werr == nil {
		time.Sleep(10 * time.Millisecond)
	}
	before := synced.Load()
	snap, err := ctl.CreateSnapshot(ctx, &csi.CreateSnapshotRequest{Name: "snap-writer", SourceVolumeId: vol.Volume.VolumeId})
	must(t, err)
	after := synced.Load()
	time.Sleep(200 * time.Millisecond) // the writer goes on: the snapshot must not change
	stop.Store(true)
	wg.Wait()
	must(t, werr)
	a.Close()
	b.Close()
	if !snap.Snapshot.ReadyToUse || snap.Snapshot.CreationTime == nil {
		t.Fatalf("snapshot not ready or without creation time: %v", snap.Snapshot)
	}

	clone, err := ctl.CreateVolume(ctx, &csi.CreateVolumeRequest{Name: "pvc-from-snap", VolumeCapabilities: []*csi.VolumeCapability{mountCap},
		VolumeContentSource: &csi.VolumeContentSource{Type: &csi.VolumeContentSource_Snapshot{Snapshot: &csi.VolumeContentSource_SnapshotSource{SnapshotId: snap.Snapshot.SnapshotId}}}})
	must(t, err)
	target2 := filepath.Join(t.TempDir(), "pod2", "mount")
	_, err = node.NodePublishVolume(ctx, &csi.NodePublishVolumeRequest{VolumeId: clone.Volume.VolumeId, TargetPath: target2, VolumeCapability: mountCap})
	must(t, err)
	sa, err := os.ReadFile(filepath.Join(target2, "a.log"))
	must(t, err)
	sb, err := os.ReadFile(filepath.Join(target2, "b.log"))
	must(t, err)
	fromSnap, err := os.ReadFile(filepath.Join(mnt, "snapshots", snap.Snapshot.SnapshotId, "a.log"))
	must(t, err)
	if !bytes.Equal(sa, fromSnap) {
		t.Errorf("the volume from the snapshot differs from the snapshot (%d vs %d bytes)", len(sa), len(fromSnap))
	}
	live, err := os.ReadFile(filepath.Join(target, "a.log"))
	must(t, err)
	checkPrefix(t, "a.log", sa)
	checkPrefix(t, "b.log", sb)
	na, nb := int64(len(sa)/recLen), int64(len(sb)/recLen)
	t.Logf("fsynced before CreateSnapshot: %d records, after: %d; in the snapshot: a.log %d, b.log %d; live a.log now %d",
		before, after, na, nb, len(live)/recLen)
	if na < before {
		t.Errorf("a.log in the snapshot has %d records, but %d were fsynced before CreateSnapshot was called", na, before)
	}
	if na > after+1 {
		t.Errorf("a.log in the snapshot has %d records, more than the %d written when CreateSnapshot returned", na, after)
	}
	if nb > na || nb < na-1 {
		t.Errorf("not one point in time: a.log has %d records, b.log %d (b.log must be equal or one behind)", na, nb)
	}
	if int64(len(live)/recLen) <= na {
		t.Errorf("the writer went on after the snapshot, but the live file (%d records) is not longer than the snapshot (%d)", len(live)/recLen, na)
	}

	for _, p := range []string{target, target2} {
		_, err = node.NodeUnpublishVolume(ctx, &csi.NodeUnpublishVolumeRequest{VolumeId: "x", TargetPath: p})
		must(t, err)
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("target %s still there after NodeUnpublishVolume: %v", p, err)
		}
	}
	_, err = ctl.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: clone.Volume.VolumeId})
	must(t, err)
	_, err = ctl.DeleteSnapshot(ctx, &csi.DeleteSnapshotRequest{SnapshotId: snap.Snapshot.SnapshotId})
	must(t, err)
	_, err = ctl.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: vol.Volume.VolumeId})
	must(t, err)
	if left := subvolumes(t, mnt); len(left) != 0 {
		t.Errorf("subvolumes left after deleting everything: %v", left)
	}
}

// checkPrefix: b is a byte prefix of the writer's stream of records.
func checkPrefix(t *testing.T, name string, b []byte) {
	t.Helper()
	for i := 0; i*recLen < len(b); i++ {
		end := min((i+1)*recLen, len(b))
		if !bytes.Equal(b[i*recLen:end], record(i)[:end-i*recLen]) {
			t.Fatalf("%s in the snapshot is not a prefix of the written stream: record %d is %q", name, i, b[i*recLen:end])
		}
	}
}

// TestASnapshotOutlivesItsVolumeAndClonesAreIndependent: the snapshot is read-only, survives the
// deletion of its source volume, and two volumes made from it share nothing a write can reach.
func TestASnapshotOutlivesItsVolumeAndClonesAreIndependent(t *testing.T) {
	mnt := btrfsFS(t)
	_, _, conn := startDriver(t, mnt)
	ctl := csi.NewControllerClient(conn)
	ctx := context.Background()
	vol, err := ctl.CreateVolume(ctx, &csi.CreateVolumeRequest{Name: "pvc-src", VolumeCapabilities: []*csi.VolumeCapability{mountCap}})
	must(t, err)
	must(t, os.WriteFile(filepath.Join(mnt, "volumes", vol.Volume.VolumeId, "f"), []byte("one"), 0o644))
	snap, err := ctl.CreateSnapshot(ctx, &csi.CreateSnapshotRequest{Name: "snap-src", SourceVolumeId: vol.Volume.VolumeId})
	must(t, err)
	if err := os.WriteFile(filepath.Join(mnt, "snapshots", snap.Snapshot.SnapshotId, "g"), []byte("x"), 0o644); err == nil {
		t.Errorf("a file could be written into the snapshot: it is not read-only")
	}
	_, err = ctl.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: vol.Volume.VolumeId})
	must(t, err)
	src := &csi.VolumeContentSource{Type: &csi.VolumeContentSource_Snapshot{Snapshot: &csi.VolumeContentSource_SnapshotSource{SnapshotId: snap.Snapshot.SnapshotId}}}
	var dirs []string
	for _, name := range []string{"pvc-a", "pvc-b"} {
		v, err := ctl.CreateVolume(ctx, &csi.CreateVolumeRequest{Name: name, VolumeCapabilities: []*csi.VolumeCapability{mountCap}, VolumeContentSource: src})
		must(t, err)
		dirs = append(dirs, filepath.Join(mnt, "volumes", v.Volume.VolumeId))
	}
	must(t, os.WriteFile(filepath.Join(dirs[0], "f"), []byte("two"), 0o644))
	for dir, want := range map[string]string{dirs[0]: "two", dirs[1]: "one", filepath.Join(mnt, "snapshots", snap.Snapshot.SnapshotId): "one"} {
		got, err := os.ReadFile(filepath.Join(dir, "f"))
		must(t, err)
		if string(got) != want {
			t.Errorf("%s/f = %q, want %q", dir, got, want)
		}
	}
	for _, id := range []string{"pvc-a", "pvc-b"} {
		_, err = ctl.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: id})
		must(t, err)
	}
	_, err = ctl.DeleteSnapshot(ctx, &csi.DeleteSnapshotRequest{SnapshotId: snap.Snapshot.SnapshotId})
	must(t, err)
	if left := subvolumes(t, mnt); len(left) != 0 {
		t.Errorf("subvolumes left: %v", left)
	}
}
