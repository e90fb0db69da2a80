package lexicon

import "testing"

func TestTables(t *testing.T) {
	tests := []struct {
		name string
		n    int
		min  int
	}{
		{"afinn", len(AFINN()), 3382},
		{"emoji", len(EmojiRanking()), 100},
		{"negators", len(AFINNNegators()), 12},
		{"vader", len(Vader()), 7500},
		{"vader emoji", len(VaderEmoji()), 3500},
	}
	for _, tc := range tests {
		if tc.n < tc.min {
			t.Errorf("%s: %d entries, want at least %d", tc.name, tc.n, tc.min)
		}
	}
	if AFINN()["abandon"] != -2 {
		t.Errorf("afinn abandon = %d", AFINN()["abandon"])
	}
	if Vader()["good"] != 1.9 {
		t.Errorf("vader good = %v", Vader()["good"])
	}
	if VaderEmoji()["😀"] != "grinning face" {
		t.Errorf("vader emoji 😀 = %q", VaderEmoji()["😀"])
	}
}
