package envlink

import "testing"

func TestPlace(t *testing.T) {
	labels := map[string][]string{
		"backend":       {"bug:backend", "env:production", "source:bugsink"},
		"backend-test":  {"source:bugsink", "env:test", "bug:backend"},
		"frontend":      {"bug:frontend", "env:production", "source:bugsink"},
		"two-envs":      {"bug:backend", "env:production", "env:test"},
		"no-env":        {"bug:backend"},
		"only-env":      {"env:test"},
		"shop":          {"team:a", "env:production"},
		"shop-staging":  {"team:b", "env:staging"},
		"payments-test": {"bug:backend", "team:pay", "env:test"},
	}
	pl := Placer{Labels: func(s string) []string { return labels[s] }, Ignore: []string{"source:bugsink"},
		Components: map[string]string{"shop": "shop", "shop-staging": "shop"}}
	place := func(s string) Place { p, _ := pl.Place(s); return p }
	if a, b := place("backend"), place("backend-test"); a.Component != b.Component || a.Env != "production" || b.Env != "test" {
		t.Errorf("backend %+v and backend-test %+v should be one component in two environments", a, b)
	}
	if place("backend").Component == place("frontend").Component {
		t.Error("backend and frontend share a component")
	}
	if place("backend").Component == place("payments-test").Component {
		t.Error("labels that differ in more than env:* share a component")
	}
	if a, b := place("shop"), place("shop-staging"); a.Component != b.Component || b.EnvLabel() != "env:staging" {
		t.Errorf("configured component: %+v, %+v", a, b)
	}
	for _, s := range []string{"two-envs", "no-env", "only-env"} {
		if p, ok := pl.Place(s); ok {
			t.Errorf("%s placed at %+v, want not linked", s, p)
		}
	}
}
