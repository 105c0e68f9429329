package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// runCerts writes a CA, the API server's serving certificate, one client
// certificate per component, the service-account key pair and kubeconfigs.
// Existing files are kept, so it is safe to run on every cluster-up.
func runCerts() int {
	fs := flag.NewFlagSet("certs", flag.ExitOnError)
	dir := fs.String("dir", "/var/lib/stowage-cluster/pki", "output directory")
	nodeIP := fs.String("node-ip", "", "node IP (API server advertise address)")
	nodeName := fs.String("node-name", "", "node name")
	serviceIP := fs.String("service-ip", "10.96.0.1", "first IP of the service range")
	server := fs.String("server", "https://127.0.0.1:6443", "API server URL written into the kubeconfigs")
	_ = fs.Parse(os.Args[1:])
	if *nodeIP == "" || *nodeName == "" {
		fmt.Fprintln(os.Stderr, "certs: --node-ip and --node-name are required")
		return 2
	}
	if err := writePKI(*dir, *nodeIP, *nodeName, *serviceIP, *server); err != nil {
		fmt.Fprintln(os.Stderr, "certs:", err)
		return 1
	}
	return 0
}

type keyPair struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func writePKI(dir, nodeIP, nodeName, serviceIP, server string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	ca, err := loadOrCreate(dir, "ca", func() (*x509.Certificate, error) {
		return &x509.Certificate{
			Subject:               pkix.Name{CommonName: "stowage-local-ca"},
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			BasicConstraintsValid: true,
			IsCA:                  true,
		}, nil
	}, nil)
	if err != nil {
		return err
	}
	ips := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(nodeIP), net.ParseIP(serviceIP)}
	for _, ip := range ips {
		if ip == nil {
			return errors.New("bad IP address in --node-ip/--service-ip")
		}
	}
	if _, err := loadOrCreate(dir, "apiserver", func() (*x509.Certificate, error) {
		return &x509.Certificate{
			Subject:     pkix.Name{CommonName: "kube-apiserver"},
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			DNSNames: []string{"localhost", nodeName, "kubernetes", "kubernetes.default",
				"kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
			IPAddresses: ips,
		}, nil
	}, ca); err != nil {
		return err
	}
	clients := []struct{ file, cn, org string }{
		{"admin", "kubernetes-admin", "system:masters"},
		{"apiserver-kubelet-client", "kube-apiserver-kubelet-client", "system:masters"},
		{"controller-manager", "system:kube-controller-manager", ""},
		{"scheduler", "system:kube-scheduler", ""},
		{"kube-proxy", "system:kube-proxy", ""},
		{"kubelet", "system:node:" + nodeName, "system:nodes"},
		// The host-side helpers (CoreDNS, the provisioner) act as cluster admins:
		// this is a throw-away single-user test cluster.
		{"localkube-addons", "localkube-addons", "system:masters"},
	}
	for _, c := range clients {
		c := c
		if _, err := loadOrCreate(dir, c.file, func() (*x509.Certificate, error) {
			subj := pkix.Name{CommonName: c.cn}
			if c.org != "" {
				subj.Organization = []string{c.org}
			}
			return &x509.Certificate{
				Subject:     subj,
				KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
				ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
			}, nil
		}, ca); err != nil {
			return err
		}
		if c.file == "apiserver-kubelet-client" {
			continue
		}
		if err := writeKubeconfig(dir, c.file, server, c.cn); err != nil {
			return err
		}
	}
	return writeServiceAccountKey(dir)
}

// loadOrCreate returns the pair DIR/NAME.crt + DIR/NAME.key, creating it
// (self-signed when signer is nil) if either file is missing.
func loadOrCreate(dir, name string, tmpl func() (*x509.Certificate, error), signer *keyPair) (*keyPair, error) {
	certPath, keyPath := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if kp, err := load(certPath, keyPath); err == nil {
		return kp, nil
	}
	t, err := tmpl()
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	t.SerialNumber = serial
	t.NotBefore = time.Now().Add(-time.Hour)
	t.NotAfter = time.Now().Add(10 * 365 * 24 * time.Hour)
	parent, parentKey := t, key
	if signer != nil {
		parent, parentKey = signer.cert, signer.key
	}
	der, err := x509.CreateCertificate(rand.Reader, t, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := writePEM(keyPath, "EC PRIVATE KEY", keyDER, 0o600); err != nil {
		return nil, err
	}
	if err := writePEM(certPath, "CERTIFICATE", der, 0o644); err != nil {
		return nil, err
	}
	return load(certPath, keyPath)
}

func load(certPath, keyPath string) (*keyPair, error) {
	cb, err := os.ReadFile(certPath)
	if err != nil {
		return nil, err
	}
	kb, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, err
	}
	cblk, _ := pem.Decode(cb)
	kblk, _ := pem.Decode(kb)
	if cblk == nil || kblk == nil {
		return nil, fmt.Errorf("%s: not PEM", certPath)
	}
	cert, err := x509.ParseCertificate(cblk.Bytes)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParseECPrivateKey(kblk.Bytes)
	if err != nil {
		return nil, err
	}
	return &keyPair{cert, key}, nil
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func writeKubeconfig(dir, name, server, user string) error {
	path := filepath.Join(dir, name+".conf")
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["stowage-local"] = &clientcmdapi.Cluster{
		Server:               server,
		CertificateAuthority: filepath.Join(dir, "ca.crt"),
	}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{
		ClientCertificate: filepath.Join(dir, name+".crt"),
		ClientKey:         filepath.Join(dir, name+".key"),
	}
	cfg.Contexts["stowage-local"] = &clientcmdapi.Context{Cluster: "stowage-local", AuthInfo: user}
	cfg.CurrentContext = "stowage-local"
	// Embed the PEM data so the admin kubeconfig can be copied anywhere.
	if err := clientcmdapi.FlattenConfig(cfg); err != nil {
		return err
	}
	return clientcmd.WriteToFile(*cfg, path)
}

func writeServiceAccountKey(dir string) error {
	keyPath, pubPath := filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub")
	if _, err := os.Stat(keyPath); err == nil {
		if _, err := os.Stat(pubPath); err == nil {
			return nil
		}
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	if err := writePEM(keyPath, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key), 0o600); err != nil {
		return err
	}
	return writePEM(pubPath, "PUBLIC KEY", pub, 0o644)
}
