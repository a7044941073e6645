package report

// (print emulation switched off), from its box model; 0 when nothing matches.
// size is the rendered width and height of the first element matching selector, on screen.
func (b *browser) size(selector string) (float64, float64) {
	b.call("Emulation.setEmulatedMedia", map[string]any{"media": ""}, nil)
	var doc struct{ Root struct{ NodeID int } }
	b.call("DOM.getDocument", map[string]any{"depth": 0}, &doc)
	var q struct{ NodeID int }
	b.call("DOM.querySelector", map[string]any{"nodeId": doc.Root.NodeID, "selector": selector}, &q)
	if q.NodeID == 0 {
		return 0, 0
	}
	var box struct {
		Model struct{ Width, Height float64 }
	}
	b.call("DOM.getBoxModel", map[string]any{"nodeId": q.NodeID}, &box)
	return box.Model.Width, box.Model.Height
}
