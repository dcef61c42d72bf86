package gitea

// SetTreePerPage makes c ask for trees n entries a page.
func SetTreePerPage(c *Client, n int) { c.treePerPage = n }
