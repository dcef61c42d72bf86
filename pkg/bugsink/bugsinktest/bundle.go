package bugsinktest

// The minified bundle the recorded JavaScript events of the renderer's
// golden tests were thrown in (scripts/record-events/bundle), for tests
// that serve those events with their source map uploaded.

// BundleDebugID is the debug id of the minified bundle the recorded
// JavaScript events were thrown in.
const BundleDebugID = "5d3f7b2a-9c1e-4f6a-8b0d-2e4c6a8f1b3d"

// BundleSourceMap is a source map for that bundle, as Bugsink would hold
// it once uploaded: the renamed identifiers carry their original names,
// the property call none (as minifiers write them).
var BundleSourceMap = SourceMap{
	Mappings: []Mapping{
		{GenLine: 0, GenCol: 242, Source: "webpack://shop/./src/cart.ts", Line: 3, Col: 9, Name: "items"},
		{GenLine: 0, GenCol: 244, Source: "webpack://shop/./src/cart.ts", Line: 3, Col: 15},
		{GenLine: 0, GenCol: 298, Source: "webpack://shop/./src/cart.ts", Line: 7, Col: 9, Name: "prices"},
		{GenLine: 0, GenCol: 355, Source: "webpack://shop/./src/cart.ts", Line: 11, Col: 9, Name: "total"},
	},
	Sources: map[string][]string{"webpack://shop/./src/cart.ts": {
		`import type { Cart } from "./types";`,
		``,
		`function prices(items: Cart["items"]) {`,
		`  return items.map((item) => item.price);`,
		`}`,
		``,
		`function total(cart: Cart) {`,
		`  return prices(cart.items);`,
		`}`,
		``,
		`export function renderCart(cart: Cart) {`,
		`  return total(cart);`,
		`}`,
	}},
}
