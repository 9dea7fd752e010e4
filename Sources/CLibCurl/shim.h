#include <curl/curl.h>

/* curl_easy_setopt / curl_easy_getinfo are variadic and do not import into Swift:
   one small typed wrapper per argument type. */
static inline CURLcode tradu_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tradu_curl_setopt_pointer(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tradu_curl_setopt_off_t(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*tradu_curl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);
static inline CURLcode tradu_curl_setopt_data_callback(CURL *h, CURLoption o, tradu_curl_data_callback v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tradu_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode tradu_curl_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode tradu_curl_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
typedef int (*tradu_curl_xferinfo_callback)(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
static inline CURLcode tradu_curl_setopt_xferinfo_callback(CURL *h, CURLoption o, tradu_curl_xferinfo_callback v) { return curl_easy_setopt(h, o, v); }
