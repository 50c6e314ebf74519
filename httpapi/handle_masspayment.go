package httpapi

func (s *Server) routesMassPayments() {
}
