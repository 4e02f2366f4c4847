package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// Names the manifests must use; the runbook's commands refer to them too.
const (
	serverName      = "athenz-svid-server"
	agentName       = "athenz-svid-agent"
	namespace       = "athenz-svid"
	statusPath      = "/zts/v1/status"
	socketEnv       = "SPIFFE_ENDPOINT_SOCKET"
	minReplicas     = 2
	configFlag      = "--config"
	clusterDNSLocal = ".svc.cluster.local"
)

// ServerConfig mirrors the server's YAML config; strict decoding rejects unknown settings.
type ServerConfig struct {
	Listen struct {
		Host string `json:"host"`
		Port int32  `json:"port"`
	} `json:"listen"`
	TLS struct {
		CertFile   string `json:"certFile"`
		KeyFile    string `json:"keyFile"`
		CaCertFile string `json:"caCertFile"`
	} `json:"tls"`
	Domains struct {
		Dir             string `json:"dir"`
		RefreshInterval string `json:"refreshInterval"`
	} `json:"domains"`
	Tokens struct {
		TrustDomain   string `json:"trustDomain"`
		Issuer        string `json:"issuer"`
		DefaultExpiry string `json:"defaultExpiry"`
		MaxExpiry     string `json:"maxExpiry"`
	} `json:"tokens"`
	Signing struct {
		Keys []struct {
			File   string `json:"file"`
			Kid    string `json:"kid"`
			Active bool   `json:"active"`
		} `json:"keys"`
		GeneratedKeyDir string `json:"generatedKeyDir"`
	} `json:"signing"`
	Providers []struct {
		Name              string   `json:"name"`
		Class             string   `json:"class"`
		IssuerDnAllowList []string `json:"issuerDnAllowList"`
	} `json:"providers"`
}

// AgentConfig mirrors the agent's YAML config.
type AgentConfig struct {
	Socket      string `json:"socket"`
	TrustDomain string `json:"trustDomain"`
	InstanceID  string `json:"instanceId"`
	Server      struct {
		URL        string `json:"url"`
		Provider   string `json:"provider"`
		Timeout    string `json:"timeout"`
		CertFile   string `json:"certFile"`
		KeyFile    string `json:"keyFile"`
		CaCertFile string `json:"caCertFile"`
	} `json:"server"`
	Bundles struct {
		RefreshInterval string `json:"refreshInterval"`
	} `json:"bundles"`
	Cache struct {
		MaxEntries int `json:"maxEntries"`
	} `json:"cache"`
	Metrics struct {
		Port int32 `json:"port"`
	} `json:"metrics"`
	Log struct {
		Format string `json:"format"`
		Level  string `json:"level"`
	} `json:"log"`
	Workloads []struct {
		Selectors struct {
			UID   *int64 `json:"uid"`
			User  string `json:"user"`
			GID   *int64 `json:"gid"`
			Group string `json:"group"`
			Path  string `json:"path"`
		} `json:"selectors"`
		Identities []struct {
			Service   string `json:"service"`
			Namespace string `json:"namespace"`
			Hint      string `json:"hint"`
		} `json:"identities"`
	} `json:"workloads"`
}

// Manifests indexes the decoded objects by kind and name.
type Manifests struct {
	byKey map[string]Object
	pods  []*corev1.Pod
}

func NewManifests(objs []Object) *Manifests {
	m := &Manifests{byKey: map[string]Object{}}
	for _, o := range objs {
		m.byKey[o.Kind+"/"+o.Name] = o
		if pod, ok := o.Obj.(*corev1.Pod); ok {
			m.pods = append(m.pods, pod)
		}
	}
	return m
}

func (m *Manifests) deployment() (*appsv1.Deployment, error) {
	if o, ok := m.byKey["Deployment/"+serverName]; ok {
		return o.Obj.(*appsv1.Deployment), nil
	}
	return nil, fmt.Errorf("no Deployment %s", serverName)
}

func (m *Manifests) daemonSet() (*appsv1.DaemonSet, error) {
	if o, ok := m.byKey["DaemonSet/"+agentName]; ok {
		return o.Obj.(*appsv1.DaemonSet), nil
	}
	return nil, fmt.Errorf("no DaemonSet %s", agentName)
}

// Check is one named semantic check over all manifests.
type Check struct {
	Name string
	Run  func(*Manifests) error
}

var Checks = []Check{
	{"every object lives in a declared namespace", checkNamespaces},
	{"selectors match pod template labels", checkSelectors},
	{"containers have probes and resources", checkContainers},
	{"server runs at least 2 replicas as non-root", checkServerReplicas},
	{"PodDisruptionBudget covers the server and leaves one replica up", checkPDB},
	{"server config is strict, mounted, and its key and domain files come from volumes",
		checkServerConfig},
	{"server probes, Service and agent URL agree on the listen port", checkServerPorts},
	{"agent DaemonSet shares the host PID namespace", checkHostPID},
	{"agent config is strict and its identity comes from a Secret", checkAgentConfig},
	{"agent probes run the gRPC health check on the agent socket", checkAgentProbes},
	{"socket path agrees between agent config, DaemonSet hostPath and workload env",
		checkSocketPaths},
	{"domain files are JSON named after their domain", checkDomains},
}

func checkNamespaces(m *Manifests) error {
	var errs []error
	for _, o := range m.byKey {
		meta := o.Obj.(interface{ GetNamespace() string })
		ns := meta.GetNamespace()
		switch {
		case o.Kind == "Namespace":
		case ns == "":
			errs = append(errs, fmt.Errorf("%s/%s has no namespace", o.Kind, o.Name))
		case ns != "default" && m.byKey["Namespace/"+ns].Obj == nil:
			errs = append(errs, fmt.Errorf("%s/%s: namespace %s not declared", o.Kind, o.Name, ns))
		}
	}
	return errors.Join(errs...)
}

func checkSelectors(m *Manifests) error {
	d, err := m.deployment()
	if err != nil {
		return err
	}
	ds, err := m.daemonSet()
	if err != nil {
		return err
	}
	return errors.Join(
		selects("Deployment", d.Spec.Selector.MatchLabels, d.Spec.Template.Labels),
		selects("DaemonSet", ds.Spec.Selector.MatchLabels, ds.Spec.Template.Labels))
}

func selects(what string, selector, podLabels map[string]string) error {
	if len(selector) == 0 || !labels.SelectorFromSet(selector).Matches(labels.Set(podLabels)) {
		return fmt.Errorf("%s selector %v does not match pod labels %v", what, selector, podLabels)
	}
	return nil
}

func checkContainers(m *Manifests) error {
	var errs []error
	check := func(owner string, spec corev1.PodSpec, needProbes bool) {
		for _, c := range spec.Containers {
			where := owner + " container " + c.Name
			if needProbes && (c.ReadinessProbe == nil || c.LivenessProbe == nil) {
				errs = append(errs, fmt.Errorf("%s lacks a readiness or liveness probe", where))
			}
			r := c.Resources
			if r.Requests.Cpu().IsZero() || r.Requests.Memory().IsZero() ||
				r.Limits.Memory().IsZero() {
				errs = append(errs,
					fmt.Errorf("%s needs cpu and memory requests and a memory limit", where))
			}
			if c.Image == "" {
				errs = append(errs, fmt.Errorf("%s has no image", where))
			}
		}
	}
	if d, err := m.deployment(); err == nil {
		check("Deployment", d.Spec.Template.Spec, true)
	} else {
		errs = append(errs, err)
	}
	if ds, err := m.daemonSet(); err == nil {
		check("DaemonSet", ds.Spec.Template.Spec, true)
	} else {
		errs = append(errs, err)
	}
	for _, p := range m.pods {
		check("Pod "+p.Name, p.Spec, false)
	}
	return errors.Join(errs...)
}

func checkServerReplicas(m *Manifests) error {
	d, err := m.deployment()
	if err != nil {
		return err
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas < minReplicas {
		return fmt.Errorf("replicas must be at least %d", minReplicas)
	}
	pod := d.Spec.Template.Spec
	for _, c := range pod.Containers {
		if !runsAsNonRoot(pod.SecurityContext, c.SecurityContext) {
			return fmt.Errorf("container %s may run as root", c.Name)
		}
	}
	return nil
}

func runsAsNonRoot(pod *corev1.PodSecurityContext, c *corev1.SecurityContext) bool {
	if c != nil && c.RunAsNonRoot != nil {
		return *c.RunAsNonRoot
	}
	return pod != nil && pod.RunAsNonRoot != nil && *pod.RunAsNonRoot
}

func checkPDB(m *Manifests) error {
	d, err := m.deployment()
	if err != nil {
		return err
	}
	o, ok := m.byKey["PodDisruptionBudget/"+serverName]
	if !ok {
		return fmt.Errorf("no PodDisruptionBudget %s", serverName)
	}
	pdb := o.Obj.(*policyv1.PodDisruptionBudget)
	if pdb.Spec.Selector == nil {
		return errors.New("PodDisruptionBudget has no selector")
	}
	if err := selects("PodDisruptionBudget", pdb.Spec.Selector.MatchLabels,
		d.Spec.Template.Labels); err != nil {
		return err
	}
	replicas := int(*d.Spec.Replicas)
	switch {
	case pdb.Spec.MaxUnavailable != nil && pdb.Spec.MaxUnavailable.Type == intstr.Int:
		if n := pdb.Spec.MaxUnavailable.IntValue(); n < 1 || n >= replicas {
			return fmt.Errorf("maxUnavailable %d must be between 1 and replicas-1", n)
		}
	case pdb.Spec.MinAvailable != nil && pdb.Spec.MinAvailable.Type == intstr.Int:
		if n := pdb.Spec.MinAvailable.IntValue(); n < 1 || n >= replicas {
			return fmt.Errorf("minAvailable %d must be between 1 and replicas-1", n)
		}
	default:
		return errors.New("set maxUnavailable or minAvailable as a number")
	}
	return nil
}

// configOf finds the file named by the container's --config argument, requires it to come
// from a ConfigMap volume in the manifests, and strictly decodes it into out.
func configOf(m *Manifests, spec corev1.PodSpec, out any) error {
	c := spec.Containers[0]
	args := append(append([]string{}, c.Command...), c.Args...)
	file := ""
	for i, a := range args {
		if a == configFlag && i+1 < len(args) {
			file = args[i+1]
		}
	}
	if file == "" {
		return fmt.Errorf("container %s has no %s argument", c.Name, configFlag)
	}
	vol, rel, err := volumeFor(spec, c, file)
	if err != nil {
		return err
	}
	if vol.ConfigMap == nil {
		return fmt.Errorf("%s is not mounted from a ConfigMap", file)
	}
	o, ok := m.byKey["ConfigMap/"+vol.ConfigMap.Name]
	if !ok {
		return fmt.Errorf("ConfigMap %s is not in the manifests", vol.ConfigMap.Name)
	}
	text, ok := o.Obj.(*corev1.ConfigMap).Data[rel]
	if !ok {
		return fmt.Errorf("ConfigMap %s has no key %s", vol.ConfigMap.Name, rel)
	}
	if err := yaml.UnmarshalStrict([]byte(text), out); err != nil {
		return fmt.Errorf("%s in ConfigMap %s: %w", rel, vol.ConfigMap.Name, err)
	}
	return nil
}

// volumeFor returns the volume that holds file in container c and the file's path inside it.
func volumeFor(spec corev1.PodSpec, c corev1.Container, file string) (
	corev1.Volume, string, error) {
	var best corev1.VolumeMount
	for _, vm := range c.VolumeMounts {
		dir := strings.TrimSuffix(vm.MountPath, "/")
		if (file == dir || strings.HasPrefix(file, dir+"/")) && len(dir) > len(best.MountPath) {
			best = vm
		}
	}
	if best.Name == "" {
		return corev1.Volume{}, "", fmt.Errorf("%s is on no volume of container %s", file, c.Name)
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(file, strings.TrimSuffix(best.MountPath, "/")), "/")
	for _, v := range spec.Volumes {
		if v.Name == best.Name {
			return v, rel, nil
		}
	}
	return corev1.Volume{}, "", fmt.Errorf("volume %s is not declared", best.Name)
}

func fromSecret(spec corev1.PodSpec, files ...string) error {
	var errs []error
	for _, f := range files {
		v, _, err := volumeFor(spec, spec.Containers[0], f)
		if err == nil && v.Secret == nil {
			err = fmt.Errorf("%s is not mounted from a Secret", f)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func checkServerConfig(m *Manifests) error {
	d, err := m.deployment()
	if err != nil {
		return err
	}
	spec := d.Spec.Template.Spec
	var cfg ServerConfig
	if err := configOf(m, spec, &cfg); err != nil {
		return err
	}
	if len(cfg.Signing.Keys) == 0 {
		return errors.New("no signing keys: each replica would generate its own")
	}
	files := []string{cfg.TLS.CertFile, cfg.TLS.KeyFile, cfg.TLS.CaCertFile}
	active, kids := 0, map[string]bool{}
	for _, k := range cfg.Signing.Keys {
		files = append(files, k.File)
		if k.Active {
			active++
		}
		if k.Kid == "" || kids[k.Kid] {
			return fmt.Errorf("signing key id %q is empty or repeated", k.Kid)
		}
		kids[k.Kid] = true
	}
	if active != 1 {
		return fmt.Errorf("%d active signing keys, want exactly 1", active)
	}
	if err := fromSecret(spec, files...); err != nil {
		return err
	}
	v, rel, err := volumeFor(spec, spec.Containers[0], cfg.Domains.Dir)
	if err != nil {
		return err
	}
	if rel != "" || (v.ConfigMap == nil && v.PersistentVolumeClaim == nil && v.Projected == nil) {
		return fmt.Errorf("domains.dir %s must be the mount point of a ConfigMap or volume",
			cfg.Domains.Dir)
	}
	if v.ConfigMap != nil && m.byKey["ConfigMap/"+v.ConfigMap.Name].Obj == nil {
		return fmt.Errorf("domain ConfigMap %s is not in the manifests", v.ConfigMap.Name)
	}
	return nil
}

// portOf resolves a named or numbered container port.
func portOf(c corev1.Container, p intstr.IntOrString) int32 {
	if p.Type == intstr.Int {
		return p.IntVal
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort
		}
	}
	return -1
}

func checkServerPorts(m *Manifests) error {
	d, err := m.deployment()
	if err != nil {
		return err
	}
	var cfg ServerConfig
	if err := configOf(m, d.Spec.Template.Spec, &cfg); err != nil {
		return err
	}
	c := d.Spec.Template.Spec.Containers[0]
	var errs []error
	for name, p := range map[string]*corev1.Probe{
		"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe, "startup": c.StartupProbe,
	} {
		if p == nil {
			continue
		}
		g := p.HTTPGet
		if g == nil || g.Scheme != corev1.URISchemeHTTPS || g.Path != statusPath ||
			portOf(c, g.Port) != cfg.Listen.Port {
			errs = append(errs, fmt.Errorf("%s probe must GET https %s on port %d",
				name, statusPath, cfg.Listen.Port))
		}
	}
	o, ok := m.byKey["Service/"+serverName]
	if !ok {
		return fmt.Errorf("no Service %s", serverName)
	}
	svc := o.Obj.(*corev1.Service)
	errs = append(errs, selects("Service", svc.Spec.Selector, d.Spec.Template.Labels))
	var svcPort int32 = -1
	for _, p := range svc.Spec.Ports {
		if portOf(c, p.TargetPort) == cfg.Listen.Port {
			svcPort = p.Port
		}
	}
	if svcPort < 0 {
		errs = append(errs, fmt.Errorf("no Service port targets %d", cfg.Listen.Port))
	}
	ds, err := m.daemonSet()
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	var agent AgentConfig
	if err := configOf(m, ds.Spec.Template.Spec, &agent); err != nil {
		return errors.Join(append(errs, err)...)
	}
	u, err := url.Parse(agent.Server.URL)
	want := fmt.Sprintf("%s.%s.svc", svc.Name, svc.Namespace)
	if err != nil || u.Scheme != "https" || u.Port() != fmt.Sprint(svcPort) ||
		(u.Hostname() != want && u.Hostname() != strings.TrimSuffix(want, ".svc")+clusterDNSLocal) {
		errs = append(errs, fmt.Errorf("agent server.url %q must be https://%s:%d/...",
			agent.Server.URL, want, svcPort))
	}
	return errors.Join(errs...)
}

func checkHostPID(m *Manifests) error {
	ds, err := m.daemonSet()
	if err != nil {
		return err
	}
	if !ds.Spec.Template.Spec.HostPID {
		return errors.New("hostPID must be true: peer credentials carry host PIDs")
	}
	return nil
}

func checkAgentConfig(m *Manifests) error {
	ds, err := m.daemonSet()
	if err != nil {
		return err
	}
	var cfg AgentConfig
	if err := configOf(m, ds.Spec.Template.Spec, &cfg); err != nil {
		return err
	}
	if len(cfg.Workloads) == 0 {
		return errors.New("agent config maps no workloads")
	}
	return fromSecret(ds.Spec.Template.Spec,
		cfg.Server.CertFile, cfg.Server.KeyFile, cfg.Server.CaCertFile)
}

func checkAgentProbes(m *Manifests) error {
	ds, err := m.daemonSet()
	if err != nil {
		return err
	}
	var cfg AgentConfig
	if err := configOf(m, ds.Spec.Template.Spec, &cfg); err != nil {
		return err
	}
	c := ds.Spec.Template.Spec.Containers[0]
	var errs []error
	for name, p := range map[string]*corev1.Probe{
		"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe,
	} {
		if p == nil || p.Exec == nil ||
			!strings.Contains(strings.Join(p.Exec.Command, " "), "unix://"+cfg.Socket) {
			errs = append(errs, fmt.Errorf("%s probe must exec a health check on unix://%s",
				name, cfg.Socket))
		}
	}
	return errors.Join(errs...)
}

// hostSocket maps a socket path inside a container to its path on the node.
func hostSocket(spec corev1.PodSpec, c corev1.Container, socket string) (string, error) {
	v, rel, err := volumeFor(spec, c, socket)
	if err != nil {
		return "", err
	}
	if v.HostPath == nil {
		return "", fmt.Errorf("%s is not on a hostPath volume", socket)
	}
	return path.Join(v.HostPath.Path, rel), nil
}

// socketFromEnv parses the unix:///path and unix:/path forms of SPIFFE_ENDPOINT_SOCKET.
func socketFromEnv(addr string) (string, error) {
	u, err := url.Parse(addr)
	if err != nil || u.Scheme != "unix" || u.Host != "" || !path.IsAbs(u.Path) {
		return "", fmt.Errorf("%s=%q is not unix:///absolute/path", socketEnv, addr)
	}
	return u.Path, nil
}

func checkSocketPaths(m *Manifests) error {
	ds, err := m.daemonSet()
	if err != nil {
		return err
	}
	spec := ds.Spec.Template.Spec
	var cfg AgentConfig
	if err := configOf(m, spec, &cfg); err != nil {
		return err
	}
	agentHost, err := hostSocket(spec, spec.Containers[0], cfg.Socket)
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	if len(m.pods) == 0 {
		return errors.New("no example workload Pod")
	}
	var errs []error
	for _, p := range m.pods {
		for _, c := range p.Spec.Containers {
			addr := ""
			for _, e := range c.Env {
				if e.Name == socketEnv {
					addr = e.Value
				}
			}
			sock, err := socketFromEnv(addr)
			if err == nil {
				var host string
				host, err = hostSocket(p.Spec, c, sock)
				if err == nil && host != agentHost {
					err = fmt.Errorf("socket is %s on the node, the agent's is %s", host, agentHost)
				}
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("Pod %s container %s: %w", p.Name, c.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// checkDomains parses each domain file so a broken JSON edit fails here, not in the server.
func checkDomains(m *Manifests) error {
	o, ok := m.byKey["ConfigMap/athenz-svid-domains"]
	if !ok {
		return errors.New("no ConfigMap athenz-svid-domains")
	}
	var errs []error
	for key, text := range o.Obj.(*corev1.ConfigMap).Data {
		var doc struct {
			Domain struct {
				Name string `json:"name"`
			} `json:"domain"`
		}
		if err := json.Unmarshal([]byte(text), &doc); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
		} else if doc.Domain.Name+".json" != key {
			errs = append(errs, fmt.Errorf("%s holds domain %q", key, doc.Domain.Name))
		}
	}
	return errors.Join(errs...)
}
