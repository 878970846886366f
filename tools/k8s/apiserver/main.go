// Command kube-apiserver is Kubernetes' own API server (k8s.io/kubernetes v1.31.14), built from
// the Go module proxy so that the chart tests (tests/k8s/) install into a real API server.
//
// The body is cmd/kube-apiserver/apiserver.go of that release. k8s.io/kubernetes is not meant to
// be required as a module: its go.mod points its staging modules (k8s.io/api, k8s.io/apiserver,
// ...) at ./staging/src, which a dependent cannot see, so go.mod here replaces each with the
// published v0.31.14 of the same release.
package main

import (
	"os"
	_ "time/tzdata" // for timeZone support in CronJob

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // for JSON log format registration
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // load all the prometheus client-go plugins
	_ "k8s.io/component-base/metrics/prometheus/version"  // for version metric registration
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	command := app.NewAPIServerCommand()
	code := cli.Run(command)
	os.Exit(code)
}
