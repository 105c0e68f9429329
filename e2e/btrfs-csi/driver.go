// Package main is btrfs-csi, a TEST-ONLY CSI driver for the local cluster: every volume is a btrfs
// subvolume, every snapshot a read-only `btrfs subvolume snapshot` (atomic and instant), and a
// volume from a snapshot a writable snapshot of it. One node, no attach, no capacity enforcement.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Driver serves the CSI identity, controller and node services over one btrfs file system.
type Driver struct {
	csi.UnimplementedIdentityServer
	csi.UnimplementedControllerServer
	csi.UnimplementedNodeServer

	name    string // CSI driver name, e.g. btrfs.csi.stowage.dev
	version string
	nodeID  string
	root    string // a directory on a mounted btrfs file system
	mu      sync.Mutex
}

// volumeMeta is what a volume's subvolume cannot tell: the capacity asked for and its source.
type volumeMeta struct {
	Name           string `json:"name"`
	CapacityBytes  int64  `json:"capacityBytes"`
	SourceSnapshot string `json:"sourceSnapshot,omitempty"`
	SourceVolume   string `json:"sourceVolume,omitempty"`
}

// snapshotMeta records the snapshot's source and the time taken just before the snapshot ioctl,
// so every write that completed before CreationTime is in the snapshot.
type snapshotMeta struct {
	Name          string `json:"name"`
	SourceVolume  string `json:"sourceVolume"`
	CreationNanos int64  `json:"creationNanos"`
	SizeBytes     int64  `json:"sizeBytes"`
}

func NewDriver(name, version, nodeID, root string) (*Driver, error) {
	if ok, err := isBtrfs(root); err != nil || !ok {
		return nil, fmt.Errorf("--root %s is not on a mounted btrfs file system (mount one there first): %v", root, err)
	}
	for _, d := range []string{"volumes", "snapshots", "meta/volumes", "meta/snapshots"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			return nil, err
		}
	}
	return &Driver{name: name, version: version, nodeID: nodeID, root: root}, nil
}

var safeID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// idOf maps a CSI name (any string) to a path-safe id: the name itself when it is safe, else a hash.
func idOf(name string) string {
	if safeID.MatchString(name) {
		return name
	}
	h := sha256.Sum256([]byte(name))
	return "h-" + hex.EncodeToString(h[:16])
}

func (d *Driver) volPath(id string) string  { return filepath.Join(d.root, "volumes", id) }
func (d *Driver) snapPath(id string) string { return filepath.Join(d.root, "snapshots", id) }
func (d *Driver) metaPath(kind, id string) string {
	return filepath.Join(d.root, "meta", kind, id+".json")
}

func validID(id string) bool { return safeID.MatchString(id) }

func exists(p string) bool { _, err := os.Lstat(p); return err == nil }

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err = f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// ---- identity ----

func (d *Driver) GetPluginInfo(context.Context, *csi.GetPluginInfoRequest) (*csi.GetPluginInfoResponse, error) {
	return &csi.GetPluginInfoResponse{Name: d.name, VendorVersion: d.version}, nil
}

func (d *Driver) GetPluginCapabilities(context.Context, *csi.GetPluginCapabilitiesRequest) (*csi.GetPluginCapabilitiesResponse, error) {
	return &csi.GetPluginCapabilitiesResponse{Capabilities: []*csi.PluginCapability{{
		Type: &csi.PluginCapability_Service_{Service: &csi.PluginCapability_Service{Type: csi.PluginCapability_Service_CONTROLLER_SERVICE}},
	}}}, nil
}

func (d *Driver) Probe(context.Context, *csi.ProbeRequest) (*csi.ProbeResponse, error) {
	if ok, err := isBtrfs(d.root); err != nil || !ok {
		return nil, status.Errorf(codes.FailedPrecondition, "%s is no longer on btrfs: %v", d.root, err)
	}
	return &csi.ProbeResponse{}, nil
}

// ---- controller ----

func (d *Driver) ControllerGetCapabilities(context.Context, *csi.ControllerGetCapabilitiesRequest) (*csi.ControllerGetCapabilitiesResponse, error) {
	var caps []*csi.ControllerServiceCapability
	for _, c := range []csi.ControllerServiceCapability_RPC_Type{
		csi.ControllerServiceCapability_RPC_CREATE_DELETE_VOLUME,
		csi.ControllerServiceCapability_RPC_CREATE_DELETE_SNAPSHOT,
		csi.ControllerServiceCapability_RPC_CLONE_VOLUME,
	} {
		caps = append(caps, &csi.ControllerServiceCapability{Type: &csi.ControllerServiceCapability_Rpc{Rpc: &csi.ControllerServiceCapability_RPC{Type: c}}})
	}
	return &csi.ControllerGetCapabilitiesResponse{Capabilities: caps}, nil
}

// checkCaps: only mounted file systems; any access mode (there is one node).
func checkCaps(caps []*csi.VolumeCapability) error {
	if len(caps) == 0 {
		return status.Error(codes.InvalidArgument, "volume_capabilities missing")
	}
	for _, c := range caps {
		if c.GetBlock() != nil {
			return status.Error(codes.InvalidArgument, "block access is not supported: this driver gives file systems (btrfs subvolumes) only")
		}
		if c.GetMount() == nil {
			return status.Error(codes.InvalidArgument, "access_type missing (mount expected)")
		}
		if c.GetAccessMode() == nil || c.GetAccessMode().GetMode() == csi.VolumeCapability_AccessMode_UNKNOWN {
			return status.Error(codes.InvalidArgument, "access_mode missing")
		}
	}
	return nil
}

func capacityOf(r *csi.CapacityRange) int64 {
	if r.GetRequiredBytes() > 0 {
		return r.GetRequiredBytes()
	}
	return r.GetLimitBytes()
}

func (d *Driver) CreateVolume(ctx context.Context, req *csi.CreateVolumeRequest) (*csi.CreateVolumeResponse, error) {
	if req.GetName() == "" {
		return nil, status.Error(codes.InvalidArgument, "name missing")
	}
	if err := checkCaps(req.GetVolumeCapabilities()); err != nil {
		return nil, err
	}
	if r := req.GetCapacityRange(); r.GetLimitBytes() > 0 && r.GetRequiredBytes() > r.GetLimitBytes() {
		return nil, status.Errorf(codes.OutOfRange, "required_bytes %d > limit_bytes %d", r.GetRequiredBytes(), r.GetLimitBytes())
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	id := idOf(req.GetName())
	want := volumeMeta{Name: req.GetName(), CapacityBytes: capacityOf(req.GetCapacityRange())}
	src := req.GetVolumeContentSource()
	if s := src.GetSnapshot(); s != nil {
		want.SourceSnapshot = s.GetSnapshotId()
	} else if v := src.GetVolume(); v != nil {
		want.SourceVolume = v.GetVolumeId()
	}
	resp := func(m volumeMeta) *csi.CreateVolumeResponse {
		return &csi.CreateVolumeResponse{Volume: &csi.Volume{VolumeId: id, CapacityBytes: m.CapacityBytes, ContentSource: src}}
	}
	var have volumeMeta
	if err := readJSON(d.metaPath("volumes", id), &have); err == nil && exists(d.volPath(id)) {
		if have != want {
			return nil, status.Errorf(codes.AlreadyExists, "volume %q exists with another capacity or source (%+v, asked %+v)", req.GetName(), have, want)
		}
		return resp(have), nil
	}
	target := d.volPath(id)
	if exists(target) { // a leftover of a failed earlier call: start again
		if err := subvolumeDelete(ctx, target); err != nil {
			return nil, status.Errorf(codes.Internal, "removing the partial volume %s: %v", target, err)
		}
	}
	switch {
	case want.SourceSnapshot != "":
		sid := want.SourceSnapshot
		if !validID(sid) || !exists(d.snapPath(sid)) {
			return nil, status.Errorf(codes.NotFound, "source snapshot %q not found", sid)
		}
		var sm snapshotMeta
		if err := readJSON(d.metaPath("snapshots", sid), &sm); err == nil && want.CapacityBytes > 0 && want.CapacityBytes < sm.SizeBytes {
			return nil, status.Errorf(codes.OutOfRange, "capacity %d is smaller than the snapshot %q (%d)", want.CapacityBytes, sid, sm.SizeBytes)
		}
		if want.CapacityBytes == 0 {
			want.CapacityBytes = sm.SizeBytes
		}
		if err := subvolumeSnapshot(ctx, d.snapPath(sid), target, false); err != nil {
			return nil, status.Errorf(codes.Internal, "volume from snapshot %q: %v", sid, err)
		}
	case want.SourceVolume != "":
		vid := want.SourceVolume
		if !validID(vid) || !exists(d.volPath(vid)) {
			return nil, status.Errorf(codes.NotFound, "source volume %q not found", vid)
		}
		if err := subvolumeSnapshot(ctx, d.volPath(vid), target, false); err != nil {
			return nil, status.Errorf(codes.Internal, "clone of volume %q: %v", vid, err)
		}
	default:
		if err := subvolumeCreate(ctx, target); err != nil {
			return nil, status.Errorf(codes.Internal, "creating volume %q: %v", req.GetName(), err)
		}
	}
	if err := writeJSON(d.metaPath("volumes", id), want); err != nil {
		return nil, status.Errorf(codes.Internal, "recording volume %q: %v", req.GetName(), err)
	}
	return resp(want), nil
}

func (d *Driver) DeleteVolume(ctx context.Context, req *csi.DeleteVolumeRequest) (*csi.DeleteVolumeResponse, error) {
	id := req.GetVolumeId()
	if id == "" {
		return nil, status.Error(codes.InvalidArgument, "volume_id missing")
	}
	if !validID(id) {
		return &csi.DeleteVolumeResponse{}, nil // never created by this driver
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if exists(d.volPath(id)) {
		if err := subvolumeDelete(ctx, d.volPath(id)); err != nil {
			return nil, status.Errorf(codes.Internal, "deleting volume %q: %v", id, err)
		}
	}
	if err := os.Remove(d.metaPath("volumes", id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, status.Errorf(codes.Internal, "deleting volume %q: %v", id, err)
	}
	return &csi.DeleteVolumeResponse{}, nil
}

func (d *Driver) ValidateVolumeCapabilities(ctx context.Context, req *csi.ValidateVolumeCapabilitiesRequest) (*csi.ValidateVolumeCapabilitiesResponse, error) {
	id := req.GetVolumeId()
	if id == "" {
		return nil, status.Error(codes.InvalidArgument, "volume_id missing")
	}
	if len(req.GetVolumeCapabilities()) == 0 {
		return nil, status.Error(codes.InvalidArgument, "volume_capabilities missing")
	}
	if !validID(id) || !exists(d.volPath(id)) {
		return nil, status.Errorf(codes.NotFound, "volume %q not found", id)
	}
	if err := checkCaps(req.GetVolumeCapabilities()); err != nil {
		return &csi.ValidateVolumeCapabilitiesResponse{Message: err.Error()}, nil
	}
	return &csi.ValidateVolumeCapabilitiesResponse{Confirmed: &csi.ValidateVolumeCapabilitiesResponse_Confirmed{
		VolumeContext: req.GetVolumeContext(), VolumeCapabilities: req.GetVolumeCapabilities(), Parameters: req.GetParameters(),
	}}, nil
}

func (d *Driver) snapshotOf(id string, m snapshotMeta) *csi.Snapshot {
	return &csi.Snapshot{
		SnapshotId: id, SourceVolumeId: m.SourceVolume, SizeBytes: m.SizeBytes,
		CreationTime: timestamppb.New(time.Unix(0, m.CreationNanos)), ReadyToUse: true,
	}
}

func (d *Driver) CreateSnapshot(ctx context.Context, req *csi.CreateSnapshotRequest) (*csi.CreateSnapshotResponse, error) {
	if req.GetName() == "" {
		return nil, status.Error(codes.InvalidArgument, "name missing")
	}
	src := req.GetSourceVolumeId()
	if src == "" {
		return nil, status.Error(codes.InvalidArgument, "source_volume_id missing")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	id := idOf(req.GetName())
	var have snapshotMeta
	if err := readJSON(d.metaPath("snapshots", id), &have); err == nil && exists(d.snapPath(id)) {
		if have.SourceVolume != src {
			return nil, status.Errorf(codes.AlreadyExists, "snapshot %q exists for another volume (%q)", req.GetName(), have.SourceVolume)
		}
		return &csi.CreateSnapshotResponse{Snapshot: d.snapshotOf(id, have)}, nil
	}
	if !validID(src) || !exists(d.volPath(src)) {
		return nil, status.Errorf(codes.NotFound, "source volume %q not found", src)
	}
	var vm volumeMeta
	_ = readJSON(d.metaPath("volumes", src), &vm)
	target := d.snapPath(id)
	if exists(target) {
		if err := subvolumeDelete(ctx, target); err != nil {
			return nil, status.Errorf(codes.Internal, "removing the partial snapshot %s: %v", target, err)
		}
	}
	// The time is taken before the snapshot: whatever completed before it is in the snapshot.
	m := snapshotMeta{Name: req.GetName(), SourceVolume: src, CreationNanos: time.Now().UnixNano(), SizeBytes: vm.CapacityBytes}
	if err := subvolumeSnapshot(ctx, d.volPath(src), target, true); err != nil {
		return nil, status.Errorf(codes.Internal, "snapshot of volume %q: %v", src, err)
	}
	if err := writeJSON(d.metaPath("snapshots", id), m); err != nil {
		return nil, status.Errorf(codes.Internal, "recording snapshot %q: %v", req.GetName(), err)
	}
	return &csi.CreateSnapshotResponse{Snapshot: d.snapshotOf(id, m)}, nil
}

func (d *Driver) DeleteSnapshot(ctx context.Context, req *csi.DeleteSnapshotRequest) (*csi.DeleteSnapshotResponse, error) {
	id := req.GetSnapshotId()
	if id == "" {
		return nil, status.Error(codes.InvalidArgument, "snapshot_id missing")
	}
	if !validID(id) {
		return &csi.DeleteSnapshotResponse{}, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if exists(d.snapPath(id)) {
		if err := subvolumeDelete(ctx, d.snapPath(id)); err != nil {
			return nil, status.Errorf(codes.Internal, "deleting snapshot %q: %v", id, err)
		}
	}
	if err := os.Remove(d.metaPath("snapshots", id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, status.Errorf(codes.Internal, "deleting snapshot %q: %v", id, err)
	}
	return &csi.DeleteSnapshotResponse{}, nil
}

// ---- node ----

func (d *Driver) NodeGetInfo(context.Context, *csi.NodeGetInfoRequest) (*csi.NodeGetInfoResponse, error) {
	return &csi.NodeGetInfoResponse{NodeId: d.nodeID}, nil
}

func (d *Driver) NodeGetCapabilities(context.Context, *csi.NodeGetCapabilitiesRequest) (*csi.NodeGetCapabilitiesResponse, error) {
	return &csi.NodeGetCapabilitiesResponse{}, nil
}

func (d *Driver) NodePublishVolume(ctx context.Context, req *csi.NodePublishVolumeRequest) (*csi.NodePublishVolumeResponse, error) {
	id, target := req.GetVolumeId(), req.GetTargetPath()
	switch {
	case id == "":
		return nil, status.Error(codes.InvalidArgument, "volume_id missing")
	case target == "":
		return nil, status.Error(codes.InvalidArgument, "target_path missing")
	case req.GetVolumeCapability() == nil:
		return nil, status.Error(codes.InvalidArgument, "volume_capability missing")
	}
	if err := checkCaps([]*csi.VolumeCapability{req.GetVolumeCapability()}); err != nil {
		return nil, err
	}
	if !validID(id) || !exists(d.volPath(id)) {
		return nil, status.Errorf(codes.NotFound, "volume %q not found", id)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := bindMount(d.volPath(id), target, req.GetReadonly()); err != nil {
		return nil, status.Errorf(codes.Internal, "mounting volume %q at %s: %v", id, target, err)
	}
	return &csi.NodePublishVolumeResponse{}, nil
}

func (d *Driver) NodeUnpublishVolume(ctx context.Context, req *csi.NodeUnpublishVolumeRequest) (*csi.NodeUnpublishVolumeResponse, error) {
	if req.GetVolumeId() == "" {
		return nil, status.Error(codes.InvalidArgument, "volume_id missing")
	}
	if req.GetTargetPath() == "" {
		return nil, status.Error(codes.InvalidArgument, "target_path missing")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := unmountAndRemove(req.GetTargetPath()); err != nil {
		return nil, status.Errorf(codes.Internal, "unmounting %s: %v", req.GetTargetPath(), err)
	}
	return &csi.NodeUnpublishVolumeResponse{}, nil
}
