package app

// DefaultWorkers are the background loops `masspay serve` runs.
func DefaultWorkers() Workers {
	return Workers{}
}
