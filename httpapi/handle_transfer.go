package httpapi

func (s *Server) routesTransfers() {
}
