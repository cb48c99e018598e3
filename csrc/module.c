/* turboattn._C: assembles the per-stage method tables into one extension module. */
#include "bindings.h"

#define PY_ARRAY_UNIQUE_SYMBOL turboattn_ARRAY_API
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include "ta_consts.h"

static struct PyModuleDef ta_module = {
    PyModuleDef_HEAD_INIT, "turboattn._C", "C core of turboattn (see turboattn/__init__.py for the API).", -1, NULL,
};

PyMODINIT_FUNC PyInit__C(void)
{
    import_array();
    PyObject *m = PyModule_Create(&ta_module);
    if (!m) return NULL;
    PyMethodDef *tables[] = {ta_quant_methods, ta_attn_methods, ta_cuda_methods, ta_cuda_kv_methods, ta_buffer_methods};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (PyModule_AddFunctions(m, tables[i]) < 0) goto fail;
    if (ta_register_buffer_types(m) < 0) goto fail;
    if (PyModule_AddIntConstant(m, "BQ", TA_BQ) < 0 || PyModule_AddIntConstant(m, "BK", TA_BK) < 0 ||
        PyModule_AddIntConstant(m, "KV_GROUP", TA_KV_GROUP) < 0 ||
        PyModule_AddIntConstant(m, "SAS_T_DEFAULT", TA_SAS_T_DEFAULT) < 0 ||
        PyModule_AddIntConstant(m, "SAS_T_MAX", TA_SAS_T_MAX) < 0 ||
        PyModule_AddObject(m, "SAS_COEFFS", Py_BuildValue("(dddd)", 1.0, TA_SAS_C1, TA_SAS_C2, TA_SAS_C3)) < 0 ||
        PyModule_AddObject(m, "INPUT_ABS_MAX", PyFloat_FromDouble(TA_INPUT_ABS_MAX)) < 0 ||
        PyModule_AddObject(m, "SM_SCALE_MAX", PyFloat_FromDouble(TA_SM_SCALE_MAX)) < 0)
        goto fail;
#ifdef TA_WITH_CUDA
    if (PyModule_AddIntConstant(m, "BUILT_WITH_CUDA", 1) < 0) goto fail;
#else
    if (PyModule_AddIntConstant(m, "BUILT_WITH_CUDA", 0) < 0) goto fail;
#endif
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
