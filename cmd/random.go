package cmd

import (
	"crypto/rand"
	"encoding/hex"
)

// randomToken returns 128 random bits in hex, the run lock's owner token.
func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
