namespace VisionPS.Core
{
    /// <summary>How closely the model looks at an image (the API's <c>detail</c>).</summary>
    public enum ImageDetail
    {
        /// <summary>The model decides (<c>auto</c>).</summary>
        Auto = 0,

        /// <summary>A 512x512 look at a fixed, low token cost (<c>low</c>).</summary>
        Low,

        /// <summary>Full detail within the model's budget (<c>high</c>).</summary>
        High,

        /// <summary>The original resolution, on models that support it (<c>original</c>, gpt-5.4 and later).</summary>
        Original,
    }
}
