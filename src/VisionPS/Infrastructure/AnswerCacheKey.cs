using System;
using System.Collections.Generic;
using System.Globalization;
using VisionPS.Commands;
using VisionPS.Core;
using VisionPS.Core.Caching;
using VisionPS.Core.OpenAI;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// The answer cache's key for one question: endpoint, API, model, prompt, system prompt, options, detail and the
    /// SHA-256 of each image as sent. Send-VisionChat -PerImage and Receive-VisionBatch share it, so an answer paid
    /// for once (live or in a batch) is never paid for again.
    /// </summary>
    internal static class AnswerCacheKey
    {
        internal static string Compute(Uri endpoint, VisionApi api, VisionRequest request, ImageDetail detail, IEnumerable<string> imageHashes)
        {
            var key = new ResultCacheKey()
                .Add("endpoint", endpoint.AbsoluteUri)
                .Add("api", api.ToString())
                .Add("model", request.Model)
                .Add("prompt", request.Prompt)
                .Add("system", request.SystemPrompt)
                .Add("maxTokens", request.MaxTokens?.ToString(CultureInfo.InvariantCulture))
                .Add("temperature", request.Temperature?.ToString("R", CultureInfo.InvariantCulture))
                .Add("schema", request.JsonSchema is null ? null : request.JsonSchema.Name + ":" + request.JsonSchema.SchemaJson)
                .Add("detail", detail.ToString());
            foreach (string image in imageHashes)
            {
                key.Add("image", image);
            }
            return key.Compute();
        }
    }
}
