using System;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace VisionPS.Core.OpenAI
{
    /// <summary>Adds fixed headers and, for Azure, the api-version query to every request.</summary>
    internal sealed class RequestShapingPolicy : PipelinePolicy
    {
        private readonly string? _apiVersion;
        private readonly KeyValuePair<string, string>[] _headers;

        internal RequestShapingPolicy(string? apiVersion, KeyValuePair<string, string>[] headers)
        {
            _apiVersion = apiVersion;
            _headers = headers;
        }

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Shape(message);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Shape(message);
            return ProcessNextAsync(message, pipeline, currentIndex);
        }

        private void Shape(PipelineMessage message)
        {
            foreach (KeyValuePair<string, string> header in _headers)
            {
                message.Request.Headers.Set(header.Key, header.Value);
            }
            if (_apiVersion is not null && message.Request.Uri is Uri uri && uri.Query.IndexOf("api-version=", StringComparison.Ordinal) < 0)
            {
                var builder = new UriBuilder(uri);
                string query = builder.Query.TrimStart('?');
                builder.Query = (query.Length == 0 ? "" : query + "&") + "api-version=" + Uri.EscapeDataString(_apiVersion);
                message.Request.Uri = builder.Uri;
            }
        }
    }
}
