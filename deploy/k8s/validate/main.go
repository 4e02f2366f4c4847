// Command validate checks the Kubernetes manifests in a directory without a cluster: every
// document must decode strictly into its k8s.io/api type, and the objects must agree with
// each other and with the athenz-svid configs they carry (see checks.go).
//
// Usage: go run . <manifest-dir>. Prints one PASS or FAIL line per check; exits 1 on any FAIL.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: validate <manifest-dir>")
		os.Exit(2)
	}
	files, err := filepath.Glob(filepath.Join(os.Args[1], "*.yaml"))
	if err != nil || len(files) == 0 {
		fmt.Fprintf(os.Stderr, "no manifests in %s\n", os.Args[1])
		os.Exit(2)
	}
	sort.Strings(files)

	var all []Object
	failed := 0
	report := func(name string, err error) {
		if err != nil {
			failed++
			fmt.Printf("FAIL %s: %v\n", name, err)
		} else {
			fmt.Printf("PASS %s\n", name)
		}
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err == nil {
			var objs []Object
			objs, err = DecodeFile(filepath.Base(file), data)
			all = append(all, objs...)
		}
		report("k8s strict decode "+filepath.Base(file), err)
	}
	for _, c := range Checks {
		report("k8s "+c.Name, c.Run(NewManifests(all)))
	}
	if failed > 0 {
		os.Exit(1)
	}
}
