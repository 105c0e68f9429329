package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// provisionerName is the StorageClass provisioner this loop serves.
const provisionerName = "stowage.dev/local-dir"

// runProvisioner is a tiny external provisioner: for every pending PVC whose
// StorageClass names provisionerName it creates a directory under --dir and a
// `local` PersistentVolume pre-bound to the claim; for every Released volume
// it created it removes the directory and the PV. It polls, which is plenty
// for a single-node test cluster.
func runProvisioner() int {
	fs := flag.NewFlagSet("provisioner", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig")
	dir := fs.String("dir", "/var/lib/stowage-cluster/volumes", "directory holding the volumes")
	node := fs.String("node-name", "", "the node the volumes live on")
	interval := fs.Duration("interval", time.Second, "poll interval")
	_ = fs.Parse(os.Args[1:])
	if *kubeconfig == "" || *node == "" {
		fmt.Fprintln(os.Stderr, "provisioner: --kubeconfig and --node-name are required")
		return 2
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "provisioner:", err)
		return 1
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "provisioner:", err)
		return 1
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "provisioner:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	p := &provisioner{cs: cs, dir: *dir, node: *node}
	fmt.Fprintf(os.Stderr, "provisioner: serving %s under %s\n", provisionerName, *dir)
	t := time.NewTicker(*interval)
	defer t.Stop()
	for {
		if err := p.once(ctx); err != nil && ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, "provisioner:", err)
		}
		select {
		case <-ctx.Done():
			return 0
		case <-t.C:
		}
	}
}

type provisioner struct {
	cs   kubernetes.Interface
	dir  string
	node string
}

func (p *provisioner) once(ctx context.Context) error {
	classes, err := p.cs.StorageV1().StorageClasses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	ours := map[string]bool{}
	for _, sc := range classes.Items {
		if sc.Provisioner == provisionerName {
			ours[sc.Name] = true
		}
	}
	pvcs, err := p.cs.CoreV1().PersistentVolumeClaims("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range pvcs.Items {
		pvc := &pvcs.Items[i]
		if pvc.Status.Phase != corev1.ClaimPending || pvc.Spec.VolumeName != "" ||
			pvc.Spec.StorageClassName == nil || !ours[*pvc.Spec.StorageClassName] || pvc.DeletionTimestamp != nil {
			continue
		}
		if err := p.provision(ctx, pvc); err != nil {
			fmt.Fprintf(os.Stderr, "provisioner: %s/%s: %v\n", pvc.Namespace, pvc.Name, err)
		}
	}
	pvs, err := p.cs.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range pvs.Items {
		pv := &pvs.Items[i]
		if pv.Annotations["pv.kubernetes.io/provisioned-by"] != provisionerName {
			continue
		}
		if pv.Status.Phase == corev1.VolumeReleased && pv.Spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimDelete {
			if err := p.remove(ctx, pv); err != nil {
				fmt.Fprintf(os.Stderr, "provisioner: delete %s: %v\n", pv.Name, err)
			}
		}
	}
	return nil
}

func (p *provisioner) provision(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
	name := "pvc-" + string(pvc.UID)
	path := filepath.Join(p.dir, name)
	if err := os.MkdirAll(path, 0o777); err != nil {
		return err
	}
	// World-writable like a fresh emptyDir, so non-root pods without fsGroup can use it.
	if err := os.Chmod(path, 0o777); err != nil {
		return err
	}
	size := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	modes := pvc.Spec.AccessModes
	if len(modes) == 0 {
		modes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	reclaim := corev1.PersistentVolumeReclaimDelete
	fsMode := corev1.PersistentVolumeFilesystem
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{"pv.kubernetes.io/provisioned-by": provisionerName},
		},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: size},
			AccessModes:                   modes,
			PersistentVolumeReclaimPolicy: reclaim,
			StorageClassName:              *pvc.Spec.StorageClassName,
			VolumeMode:                    &fsMode,
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				Local: &corev1.LocalVolumeSource{Path: path},
			},
			ClaimRef: &corev1.ObjectReference{
				Kind: "PersistentVolumeClaim", APIVersion: "v1",
				Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID,
			},
			NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
					Key: "kubernetes.io/hostname", Operator: corev1.NodeSelectorOpIn, Values: []string{p.node},
				}}}},
			}},
		},
	}
	_, err := p.cs.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err == nil {
		fmt.Fprintf(os.Stderr, "provisioner: %s for %s/%s at %s\n", name, pvc.Namespace, pvc.Name, path)
	}
	return err
}

func (p *provisioner) remove(ctx context.Context, pv *corev1.PersistentVolume) error {
	if pv.Spec.Local == nil {
		return nil
	}
	path := filepath.Clean(pv.Spec.Local.Path)
	if !strings.HasPrefix(path, filepath.Clean(p.dir)+string(filepath.Separator)) {
		return fmt.Errorf("path %s is outside %s; leaving it", path, p.dir)
	}
	if err := os.RemoveAll(path); err != nil {
		return err
	}
	err := p.cs.CoreV1().PersistentVolumes().Delete(ctx, pv.Name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err == nil {
		fmt.Fprintf(os.Stderr, "provisioner: deleted %s and %s\n", pv.Name, path)
	}
	return err
}
