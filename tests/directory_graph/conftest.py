from tests.fake_graph import fake_graph, graph_certificate  # noqa: F401  (fixtures)
