import {
  to = conductorone_segment_integration.segment
  identity = {
    app_id       = "2Ykq3Wb8wQ3nN1GmHcM4oVt9Xyz"
    connector_id = "2Zabc5Qw7Lm9Np1Rt3Vx5Bz7Df9"
  }
}
