package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodPod = `
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default}
spec:
  containers:
    - name: c
      image: busybox
`

func TestDecodeFile_badDocuments_rejected(t *testing.T) {
	addToContainer := func(line string) string {
		return strings.Replace(goodPod, "image: busybox", "image: busybox\n      "+line, 1)
	}
	cases := []struct{ name, doc, want string }{
		{"unknown field", addToContainer("imag: x"), `unknown field "spec.containers[0].imag"`},
		{"misplaced field", addToContainer("hostPID: true"),
			`unknown field "spec.containers[0].hostPID"`},
		{"duplicate field", addToContainer("image: other"), "already set"},
		{"wrong type", strings.Replace(goodPod, "name: c", "name: [c]", 1), "cannot unmarshal"},
		{"unknown kind", strings.Replace(goodPod, "kind: Pod", "kind: Pood", 1), "Pood"},
		{"no name", strings.Replace(goodPod, "name: p, ", "", 1), "without metadata.name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeFile("t.yaml", []byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestDecodeFile_goodMultiDocument_decodesEach(t *testing.T) {
	objs, err := DecodeFile("t.yaml", []byte("# header only\n---"+goodPod+"---\n"+goodPod))
	if err != nil || len(objs) != 2 || objs[0].Kind != "Pod" {
		t.Fatalf("got %d objects, err %v", len(objs), err)
	}
}

// loadWith decodes the real manifests with one textual replacement applied to one file.
func loadWith(t *testing.T, file, old, new string) *Manifests {
	t.Helper()
	paths, _ := filepath.Glob("../*.yaml")
	var all []Object
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		if filepath.Base(p) == file {
			if !strings.Contains(text, old) {
				t.Fatalf("%s does not contain %q", file, old)
			}
			text = strings.Replace(text, old, new, 1)
		}
		objs, err := DecodeFile(filepath.Base(p), []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, objs...)
	}
	return NewManifests(all)
}

func TestChecks_realManifests_pass(t *testing.T) {
	m := loadWith(t, "", "", "")
	for _, c := range Checks {
		if err := c.Run(m); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
}

func TestChecks_brokenManifests_fail(t *testing.T) {
	cases := []struct {
		name, file, old, new string
		check                func(*Manifests) error
	}{
		{"workload socket elsewhere", "workload-example.yaml",
			"unix:///run/athenz-svid/agent.sock", "unix:///tmp/agent.sock", checkSocketPaths},
		{"agent socket moved", "agent.yaml",
			"socket: /run/athenz-svid/agent.sock", "socket: /run/other/agent.sock", checkSocketPaths},
		{"no hostPID", "agent.yaml", "hostPID: true", "hostPID: false", checkHostPID},
		{"one replica", "server.yaml", "replicas: 3", "replicas: 1", checkServerReplicas},
		{"unknown server setting", "server.yaml", "maxExpiry: 12h", "maxExpiri: 12h",
			checkServerConfig},
		{"two active keys", "server.yaml", "kid: ec-2026, active: true}",
			"kid: ec-2026, active: true}\n" +
				"        - {file: /etc/athenz-svid/signing/b.pem, kid: b, active: true}",
			checkServerConfig},
		{"probe on wrong path", "server.yaml", "path: /zts/v1/status", "path: /", checkServerPorts},
		{"agent url port", "agent.yaml", "svc:4443", "svc:8443", checkServerPorts},
		{"liveness probe over TCP", "agent.yaml",
			"exec: {command: *healthcheck}\n            periodSeconds: 60",
			"tcpSocket: {port: 9090}\n            periodSeconds: 60", checkAgentProbes},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.check(loadWith(t, tc.file, tc.old, tc.new)); err == nil {
				t.Fatal("check passed on a broken manifest")
			}
		})
	}
}
