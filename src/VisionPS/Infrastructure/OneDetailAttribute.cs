using System;
using System.Management.Automation;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// -Detail takes one name (Auto, Low, High, Original; any case), as the saved Detail does: PowerShell alone reads
    /// "Low, High" as the enum's flags, Low|High, which is Original, the most costly detail.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class OneDetailAttribute : ArgumentTransformationAttribute
    {
        /// <summary>A string becomes the one detail it names, or a binding error; anything else is left to PowerShell's binder.</summary>
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject pso ? pso.BaseObject : inputData;
            if (value is object[] list && list.Length > 1)
            {
                value = string.Join(", ", Array.ConvertAll(list, o => Convert.ToString(o is PSObject p ? p.BaseObject : o, System.Globalization.CultureInfo.InvariantCulture)));
            }
            if (value is string text && text.IndexOf(',') >= 0)
            {
                return SavedSettings.TryParseDetail(text, out Core.ImageDetail detail)
                    ? detail
                    : throw new ArgumentTransformationMetadataException($"'{text}' is not one image detail: give Auto, Low, High or Original (one of them).");
            }
            return inputData;
        }
    }
}
