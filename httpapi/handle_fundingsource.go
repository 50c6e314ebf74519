package httpapi

func (s *Server) routesFundingSources() {
}
