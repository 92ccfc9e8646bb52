"""Frame sources: the synthetic numpy rasterizer and the headless pygame SimulationView."""
