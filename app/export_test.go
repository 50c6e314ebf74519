package app

import "time"

// SetShutdownTimeout sets how long Run waits for requests in flight, and returns the restore.
func SetShutdownTimeout(d time.Duration) (restore func()) {
	old := shutdownTimeout
	shutdownTimeout = d
	return func() { shutdownTimeout = old }
}
