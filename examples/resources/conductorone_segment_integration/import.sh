# A connector made by hand: APP_ID/CONNECTOR_ID, as in its ConductorOne URL.
terraform import conductorone_segment_integration.segment 2Ykq3Wb8wQ3nN1GmHcM4oVt9Xyz/2Zabc5Qw7Lm9Np1Rt3Vx5Bz7Df9
