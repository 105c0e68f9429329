package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	registerapi "k8s.io/kubelet/pkg/apis/pluginregistration/v1"
)

// TestRegistrationAnswersAsTheKubeletExpects: what the kubelet's plugin watcher asks on the socket
// in plugins_registry (node-driver-registrar's job, done by the driver itself).
func TestRegistrationAnswersAsTheKubeletExpects(t *testing.T) {
	dir, err := os.MkdirTemp("", "reg") // a unix socket path has at most 107 bytes: t.TempDir() is too long
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "plugins_registry", "btrfs.csi.stowage.dev-reg.sock")
	srv, err := serveRegistration(sock, "btrfs.csi.stowage.dev", "/k/plugins/btrfs.csi.stowage.dev/csi.sock")
	must(t, err)
	defer srv.Stop()
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	must(t, err)
	defer conn.Close()
	c := registerapi.NewRegistrationClient(conn)
	info, err := c.GetInfo(context.Background(), &registerapi.InfoRequest{})
	must(t, err)
	if info.Type != registerapi.CSIPlugin || info.Name != "btrfs.csi.stowage.dev" ||
		info.Endpoint != "/k/plugins/btrfs.csi.stowage.dev/csi.sock" || len(info.SupportedVersions) == 0 {
		t.Fatalf("GetInfo = %v", info)
	}
	_, err = c.NotifyRegistrationStatus(context.Background(), &registerapi.RegistrationStatus{PluginRegistered: true})
	must(t, err)
}
