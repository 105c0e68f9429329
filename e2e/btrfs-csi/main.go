package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	registerapi "k8s.io/kubelet/pkg/apis/pluginregistration/v1"
)

var version = "dev"

func main() {
	endpoint := flag.String("endpoint", "", "unix socket the CSI services listen on, e.g. unix:///var/lib/kubelet/plugins/btrfs.csi.stowage.dev/csi.sock")
	name := flag.String("driver-name", "btrfs.csi.stowage.dev", "CSI driver name (the StorageClass provisioner and VolumeSnapshotClass driver)")
	nodeID := flag.String("node-id", "", "node name given to the kubelet (NodeGetInfo)")
	root := flag.String("root", "", "a directory on a mounted btrfs file system holding the volumes and snapshots")
	regDir := flag.String("registration-dir", "", "the kubelet's plugins_registry directory: when set, the driver registers itself there (what node-driver-registrar does)")
	flag.Parse()
	if *endpoint == "" || *nodeID == "" || *root == "" {
		fmt.Fprintln(os.Stderr, "btrfs-csi: --endpoint, --node-id and --root are required")
		os.Exit(2)
	}
	d, err := NewDriver(*name, version, *nodeID, *root)
	if err != nil {
		log.Fatalf("btrfs-csi: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	sock := strings.TrimPrefix(*endpoint, "unix://")
	srv, err := Serve(d, sock)
	if err != nil {
		log.Fatalf("btrfs-csi: %v", err)
	}
	defer srv.Stop()
	log.Printf("btrfs-csi %s: driver %s, node %s, root %s, listening on %s", version, *name, *nodeID, *root, sock)
	if *regDir != "" {
		reg, err := serveRegistration(filepath.Join(*regDir, *name+"-reg.sock"), *name, sock)
		if err != nil {
			log.Fatalf("btrfs-csi: %v", err)
		}
		defer reg.Stop()
	}
	<-ctx.Done()
	log.Printf("btrfs-csi: stopping")
}

func listenUnix(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return net.Listen("unix", path)
}

func logCalls(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	resp, err := h(ctx, req)
	if err != nil {
		log.Printf("%s: %v", info.FullMethod, err)
	} else if !strings.Contains(info.FullMethod, "Probe") && !strings.Contains(info.FullMethod, "Get") {
		log.Printf("%s ok", info.FullMethod)
	}
	return resp, err
}

// Serve starts the CSI identity, controller and node services on a unix socket.
func Serve(d *Driver, sock string) (*grpc.Server, error) {
	l, err := listenUnix(sock)
	if err != nil {
		return nil, err
	}
	s := grpc.NewServer(grpc.UnaryInterceptor(logCalls))
	csi.RegisterIdentityServer(s, d)
	csi.RegisterControllerServer(s, d)
	csi.RegisterNodeServer(s, d)
	go func() { _ = s.Serve(l) }()
	return s, nil
}

// registration is the kubelet plugin-registration service: the kubelet finds the socket in its
// plugins_registry directory, asks GetInfo, and then talks CSI to the endpoint it names.
type registration struct {
	registerapi.UnimplementedRegistrationServer
	name, endpoint string
}

func (r *registration) GetInfo(context.Context, *registerapi.InfoRequest) (*registerapi.PluginInfo, error) {
	return &registerapi.PluginInfo{Type: registerapi.CSIPlugin, Name: r.name, Endpoint: r.endpoint, SupportedVersions: []string{"1.0.0"}}, nil
}

func (r *registration) NotifyRegistrationStatus(_ context.Context, st *registerapi.RegistrationStatus) (*registerapi.RegistrationStatusResponse, error) {
	if st.GetPluginRegistered() {
		log.Printf("registered with the kubelet")
	} else {
		log.Printf("the kubelet refused the registration: %s", st.GetError())
	}
	return &registerapi.RegistrationStatusResponse{}, nil
}

func serveRegistration(sock, name, endpoint string) (*grpc.Server, error) {
	l, err := listenUnix(sock)
	if err != nil {
		return nil, err
	}
	s := grpc.NewServer()
	registerapi.RegisterRegistrationServer(s, &registration{name: name, endpoint: endpoint})
	go func() { _ = s.Serve(l) }()
	return s, nil
}
