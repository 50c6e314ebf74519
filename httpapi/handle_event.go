package httpapi

func (s *Server) routesEvents() {
}
