package peertest

import "encoding/base64"

// basicAuth is the Authorization header for a user name and password.
func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}
