package httpapi

func (s *Server) routesTransfers() {
}

// routesTransferActions lists the transfer routes beyond GET /transfers/{id}: lists, cancel,
// failure (see handle_transfer_actions.go when it exists).
func (s *Server) routesTransferActions() {}

// routesSandbox lists the sandbox routes (POST /sandbox-simulations).
func (s *Server) routesSandbox() {}
