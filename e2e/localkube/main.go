// Command localkube is a multi-call binary for Stowage's local single-node
// Kubernetes: every component runs as its own OS process started from this
// one executable, chosen by argv[0] (symlink) or by the first argument:
//
//	localkube etcd --data-dir DIR
//	localkube kube-apiserver|kube-controller-manager|kube-scheduler|kubelet|kube-proxy|kubectl [flags]
//	localkube certs --dir DIR --node-ip IP --node-name NAME
//	localkube provisioner --kubeconfig FILE --dir DIR --node-name NAME
//	localkube dns-check --server IP:PORT --name NAME
//	localkube version
//
// The Kubernetes components are the upstream ones (k8s.io/kubernetes v1.34.x);
// only the process dispatch, PKI bootstrap, a local-directory volume
// provisioner and a DNS probe are written here.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/component-base/version"
)

type command struct {
	run  func() int
	help string
}

var commands = map[string]command{
	"etcd":                    {runEtcd, "embedded etcd server"},
	"kube-apiserver":          {runAPIServer, "Kubernetes API server"},
	"kube-controller-manager": {runControllerManager, "Kubernetes controller manager"},
	"kube-scheduler":          {runScheduler, "Kubernetes scheduler"},
	"kubelet":                 {runKubelet, "Kubernetes node agent"},
	"kube-proxy":              {runProxy, "Kubernetes service proxy"},
	"kubectl":                 {runKubectl, "Kubernetes CLI"},
	"certs":                   {runCerts, "write the cluster PKI and kubeconfigs (idempotent)"},
	"provisioner":             {runProvisioner, "local-directory PersistentVolume provisioner"},
	"dns-check":               {runDNSCheck, "resolve a name against one DNS server"},
	"version":                 {runVersion, "print the Kubernetes version built in"},
}

func main() {
	name := filepath.Base(os.Args[0])
	if _, ok := commands[name]; !ok {
		if len(os.Args) < 2 {
			usage()
			os.Exit(2)
		}
		name = os.Args[1]
		// Shift so that the component sees the argv it would see as its own binary.
		os.Args = os.Args[1:]
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "localkube: unknown command %q\n", name)
		usage()
		os.Exit(2)
	}
	os.Exit(c.run())
}

func usage() {
	var b strings.Builder
	b.WriteString("usage: localkube COMMAND [flags]\n\ncommands:\n")
	for _, n := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
		"kubelet", "kube-proxy", "kubectl", "certs", "provisioner", "dns-check", "version"} {
		fmt.Fprintf(&b, "  %-24s %s\n", n, commands[n].help)
	}
	fmt.Fprint(os.Stderr, b.String())
}

func runVersion() int {
	fmt.Println(version.Get().GitVersion)
	return 0
}
