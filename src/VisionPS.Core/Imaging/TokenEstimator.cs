namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// Estimates the input tokens an image costs by the documented rules (tile and patch families). Unknown or
    /// missing model names use <see cref="ModelVision.Default"/> (gpt-4o tiles unless the user's models.json says otherwise).
    /// </summary>
    public static class TokenEstimator
    {
        /// <summary>Tokens for a <paramref name="width"/> x <paramref name="height"/> image sent to <paramref name="model"/>.</summary>
        public static int Estimate(string? model, ImageDetail detail, int width, int height)
        {
            ModelCatalog catalog = ModelCatalog.Current;
            return (catalog.Find(model) ?? catalog.Default).EstimateTokens(width, height, detail);
        }
    }
}
