package httpapi

func (s *Server) routesWebhooks() {
}
