"""The social credit regime: one module per mechanism; `model.RegimeModel` orders them."""
