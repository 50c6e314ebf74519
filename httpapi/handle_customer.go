package httpapi

func (s *Server) routesCustomers() {
}
